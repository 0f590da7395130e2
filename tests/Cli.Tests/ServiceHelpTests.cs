namespace EdgeFL.Cli.Tests;

/// <summary>The built programs answer --help / -h with their usage and exit 0, without starting anything.</summary>
public sealed class ServiceHelpTests
{
    public static TheoryData<string, string, string, string[]> Services => new()
    {
        { "Gateway", "EdgeFL.Gateway.dll", "--help", ["Gateway ", "GatewayId", "Gateway:Broker ", "CredentialsPath", "Gateway:Cloud ", "Gateway:Rounds ", "SyncEvery", "Gateway:Outbox", "Service "] },
        { "CloudBridge", "EdgeFL.CloudBridge.dll", "-h", ["Cloud ", "ExpectedGateways", "CredentialsPath", "Cloud:Signing", "Cloud:Aggregation", "Service "] },
        { "DeviceClient", "EdgeFL.DeviceClient.dll", "--help", ["Device ", "DeviceId", "BrokerHost", "Device:Data", "Device:Training", "Device:Power", "Device:Signing", "Service "] },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task AService_PrintsItsUsage_AndExits0(string project, string assembly, string flag, string[] keys)
    {
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["EDGEFL_CONFIG_DIR"] = dir.Path, ["STATE_DIRECTORY"] = dir.Path };

        var run = await CliRun.ProcessAsync(project, assembly, env, flag);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Usage: ", run.Output, StringComparison.Ordinal);
        Assert.Contains(dir.Path, run.Output, StringComparison.Ordinal); // where its configuration file is read from
        Assert.Contains("edgefl", run.Output, StringComparison.Ordinal);
        foreach (string key in keys)
        {
            Assert.Contains(key, run.Output, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.GetFileSystemEntries(dir.Path)); // nothing started: no state, no keys
    }

    [Fact]
    public async Task Edgefl_Help_ListsEveryCommand()
    {
        var run = await CliRun.EdgeflProcessAsync(null, "--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (string command in new[] { "keygen", "make-certs", "provision-device", "revoke-device", "list-devices", "provision-gateway", "revoke-gateway", "list-gateways", "init-model", "inspect" })
        {
            Assert.Contains(command, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Edgefl_UnknownCommand_IsUsage_Exit2_WithoutAStackTrace()
    {
        var run = await CliRun.EdgeflProcessAsync(null, "frobnicate");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("frobnicate", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error + run.Output, StringComparison.Ordinal);
    }
}
