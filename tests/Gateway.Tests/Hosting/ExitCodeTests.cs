using System.Net;
using System.Net.Sockets;
using EdgeFL.Core.Storage;
using EdgeFL.Hosting;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Gateway.Tests.Hosting;

/// <summary>
/// Issue 15, finding 4: a garbage or empty model file exited 0 (systemd's Restart=on-failure would not
/// act); invalid configuration aborted with exit 134, the message twice and a stack trace; a port in use
/// gave a SocketException naming no key. The built gateway is run as systemd would run it.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-exit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs the gateway with a usable model file (a later argument overrides it) and <paramref name="args"/>.</summary>
    private async Task<ProgramRun> RunAsync(params string[] args)
    {
        string model = Path.Combine(_dir, "good-model.msgpack");
        await ModelFile.SaveAsync(model, TestModels.Message(TestModels.Filled(0)));
        return await ProgramRun.StartAsync(
            BuiltProject.AssemblyPath("Gateway", "EdgeFL.Gateway.dll"),
            new Dictionary<string, string> { ["EDGEFL_CONFIG_DIR"] = _dir, ["STATE_DIRECTORY"] = Path.Combine(_dir, "state") },
            Timeout,
            _dir,
            ["--Gateway:GatewayId=gw-exit", "--Gateway:Rounds:MaxRounds=1", "--Gateway:Rounds:Deadline=00:00:00.2", $"--Gateway:InitialModelPath={model}", .. args]);
    }

    private static void AssertOneLineNaming(ProgramRun run, string key)
    {
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.Contains(key, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConfiguration_ExitsWithTheConfigurationCode_InOneLineNamingTheKey()
    {
        var run = await RunAsync($"--Gateway:Broker:Port={TestPorts.Free()}", "--Gateway:Outbox:MaxAttempts=0");
        Assert.True(run.ExitCode == ServiceExitCodes.Configuration, run.ToString());
        AssertOneLineNaming(run, "Gateway:Outbox:MaxAttempts");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task AnUnusableModelFile_ExitsWithTheConfigurationCode_NamingTheKey(string content)
    {
        string model = Path.Combine(_dir, "model.msgpack");
        await File.WriteAllTextAsync(model, content);
        var run = await RunAsync($"--Gateway:Broker:Port={TestPorts.Free()}", $"--Gateway:InitialModelPath={model}");
        Assert.True(run.ExitCode == ServiceExitCodes.Configuration, run.ToString());
        AssertOneLineNaming(run, "Gateway:InitialModelPath");
    }

    [Fact]
    public async Task APortInUse_ExitsNonZero_NamingTheKey()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var run = await RunAsync($"--Gateway:Broker:Port={port}");
        Assert.True(run.ExitCode == ServiceExitCodes.Fatal, run.ToString());
        AssertOneLineNaming(run, $"Gateway:Broker:Port {port}");
    }

    [Fact]
    public async Task ACleanRun_ExitsZero()
    {
        var run = await RunAsync($"--Gateway:Broker:Port={TestPorts.Free()}");
        Assert.True(run.ExitCode == ServiceExitCodes.Success, run.ToString());
    }
}
