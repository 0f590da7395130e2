using EdgeFL.Tests.Shared;

namespace EdgeFL.Training.Tests;

/// <summary>
/// libtorch writes its warnings to the native stderr, so these run a child process (TorchLogProbe) that
/// provokes warnings libtorch prints on every CPU, and read what it printed.
/// </summary>
public sealed class TorchLogLevelTests
{
    // An empty value is the default, whatever the test process itself was started with.
    private static readonly Dictionary<string, string> Unset = new() { [TorchLogLevel.EnvironmentVariable] = string.Empty };

    private static string Probe => Path.Combine(AppContext.BaseDirectory, "EdgeFL.TorchLogProbe.dll");

    [Fact]
    public async Task WithoutTheThreshold_LibtorchPrintsItsWarnings_SoTheProbeCanSeeThem()
    {
        var run = await RunProbeAsync(Unset);

        Assert.Contains("done", run.Output, StringComparison.Ordinal);
        Assert.True(LibtorchLog.Warnings(run).Length > 0, run.ToString());
    }

    [Fact]
    public async Task TheThreshold_SilencesWarnings_ByDefault()
    {
        var run = await RunProbeAsync(Unset, "apply");

        Assert.Contains($"level {TorchLogLevel.Error}", run.Output, StringComparison.Ordinal);
        Assert.Contains("done", run.Output, StringComparison.Ordinal);
        Assert.Empty(LibtorchLog.Warnings(run));
    }

    [Fact]
    public async Task AnOperator_GetsTheWarningsBack_WithTheVariable()
    {
        var run = await RunProbeAsync(new Dictionary<string, string> { [TorchLogLevel.EnvironmentVariable] = "WARNING" }, "apply");

        Assert.Contains("level 1", run.Output, StringComparison.Ordinal);
        Assert.NotEmpty(LibtorchLog.Warnings(run));
    }

    [Fact]
    public async Task ABadValue_StopsTheProcess_NamingTheVariable()
    {
        var run = await RunProbeAsync(new Dictionary<string, string> { [TorchLogLevel.EnvironmentVariable] = "loud" }, "apply");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("TORCH_CPP_LOG_LEVEL must be INFO, WARNING, ERROR or FATAL (or 0-3), got 'loud'", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 2)]
    [InlineData("", 2)]
    [InlineData("info", 0)]
    [InlineData("WARNING", 1)]
    [InlineData(" error ", 2)]
    [InlineData("FATAL", 3)]
    [InlineData("1", 1)]
    public void Parse_TakesPyTorchsNamesAndNumbers(string? value, int level) => Assert.Equal(level, TorchLogLevel.Parse(value));

    [Theory]
    [InlineData("4")]
    [InlineData("WARN")]
    [InlineData("-1")]
    public void Parse_RefusesAnythingElse(string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() => TorchLogLevel.Parse(value));
        Assert.Contains(TorchLogLevel.EnvironmentVariable, e.Message, StringComparison.Ordinal);
    }

    private static Task<ProgramRun> RunProbeAsync(Dictionary<string, string>? environment, params string[] args) =>
        ProgramRun.StartAsync(Probe, environment, TimeSpan.FromMinutes(2), workingDirectory: null, args);
}
