using EdgeFL.Hosting;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace EdgeFL.Hosting.Tests;

public sealed class ServiceHostingTests
{
    [Theory]
    [InlineData("30000000", null, 30.0)]
    [InlineData("600000", "4242", 0.6)]
    public void WatchdogSettings_ReadWatchdogUsec(string usec, string? pid, double seconds)
    {
        var settings = WatchdogSettings.FromEnvironment(n => n == "WATCHDOG_USEC" ? usec : n == "WATCHDOG_PID" ? pid : null, processId: 4242);
        Assert.Equal(TimeSpan.FromSeconds(seconds), settings!.Value.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(seconds / 2), settings.Value.Interval);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("abc", null)]
    [InlineData("1000000", "1")] // another process's watchdog
    public void WatchdogSettings_AbsentOrNotOurs_IsNull(string? usec, string? pid) =>
        Assert.Null(WatchdogSettings.FromEnvironment(n => n == "WATCHDOG_USEC" ? usec : n == "WATCHDOG_PID" ? pid : null, processId: 4242));

    [Fact]
    public async Task ServiceHealth_ReportsFailingChecks_AndThrowingChecksFail()
    {
        var health = new ServiceHealth();
        bool loop = true;
        health.AddCheck("loop", () => loop);
        health.AddCheck("broken", () => throw new InvalidOperationException());
        Assert.Equal(["broken"], health.FailingChecks());
        loop = false;
        Assert.Equal(["loop", "broken"], health.FailingChecks());
        Assert.False(health.IsReady);
        health.MarkReady("up");
        Assert.True(health.IsReady);
        Assert.Equal("up", await health.Ready);
    }

    [Fact]
    public void LoopHeartbeat_GoesStaleWithoutTicks_AndTickWhileKeepsItFresh()
    {
        var time = new ManualTimeProvider();
        var heartbeat = new LoopHeartbeat(time);
        Assert.True(heartbeat.IsAlive(TimeSpan.FromSeconds(5)));
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(heartbeat.IsAlive(TimeSpan.FromSeconds(5)));
        heartbeat.Tick();
        Assert.True(heartbeat.IsAlive(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void ConnectionLiveness_AllowsAGraceAfterADrop()
    {
        var time = new ManualTimeProvider();
        bool connected = true;
        var liveness = new ConnectionLiveness(() => connected, TimeSpan.FromSeconds(30), time);
        Assert.True(liveness.IsAlive());
        connected = false;
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(liveness.IsAlive());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(liveness.IsAlive());
        connected = true;
        Assert.True(liveness.IsAlive());
    }

    [Fact]
    public void OperatorFile_LayersOverAppsettings_UnderEnvironmentAndCommandLine()
    {
        var dir = Directory.CreateTempSubdirectory("edgefl-config-");
        string? saved = Environment.GetEnvironmentVariable(EdgeFlHostBuilderExtensions.ConfigDirectoryVariable);
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "appsettings.json"), """{ "A": "app", "B": "app", "C": "app", "D": "app" }""");
            File.WriteAllText(Path.Combine(dir.FullName, "gateway.json"), """{ "B": "etc", "C": "etc", "D": "etc" }""");
            Environment.SetEnvironmentVariable(EdgeFlHostBuilderExtensions.ConfigDirectoryVariable, dir.FullName);
            var configuration = new ConfigurationManager();
            configuration.SetBasePath(dir.FullName);
            configuration.AddJsonFile("appsettings.json", optional: true);
            configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["C"] = "env" }); // stands for environment variables
            configuration.AddCommandLine(["--D=cli"]);

            EdgeFlHostBuilderExtensions.AddOperatorConfiguration(configuration, "gateway");

            Assert.Equal(("app", "etc", "env", "cli"), (configuration["A"], configuration["B"], configuration["C"], configuration["D"]));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EdgeFlHostBuilderExtensions.ConfigDirectoryVariable, saved);
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ServiceOptionsValidator_NamesTheKeys()
    {
        var result = new ServiceOptionsValidator().Validate(null, new ServiceOptions { LivenessTimeout = TimeSpan.Zero, ShutdownTimeout = TimeSpan.Zero });
        Assert.Contains("Service:LivenessTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Service:ShutdownTimeout", result.FailureMessage, StringComparison.Ordinal);
    }
}
