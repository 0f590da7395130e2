using EdgeFL.Tests.Shared;

namespace EdgeFL.Simulator.Tests;

/// <summary>
/// The MobileNet demo as a user runs it, in a process of its own: libtorch's warnings (NNPACK's "Unsupported
/// hardware" on CPUs without AVX2, once per convolution) go to the native stderr, which only a child shows.
/// </summary>
public sealed class MobileNetDemoOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-mobilenet-demo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ShortMobileNetDemo_PrintsItsProgress_AndNoLineFromLibtorchsWarningLogger()
    {
        var run = await ProgramRun.StartAsync(
            BuiltProject.AssemblyPath("Simulator", "EdgeFL.Simulator.dll"),
            new Dictionary<string, string> { ["TORCH_CPP_LOG_LEVEL"] = string.Empty },
            TimeSpan.FromMinutes(5),
            _dir,
            "--model", "mobilenet", "--rounds", "2", "--sync-every", "1", "--devices", "4", "--gateways", "1",
            "--train-samples", "400", "--test-samples", "200", "--seed", "3", "--csv", Path.Combine(_dir, "history.csv"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("round   2:", run.Output, StringComparison.Ordinal);
        Assert.Contains("final accuracy:", run.Output, StringComparison.Ordinal);
        Assert.Empty(LibtorchLog.Warnings(run));
    }
}
