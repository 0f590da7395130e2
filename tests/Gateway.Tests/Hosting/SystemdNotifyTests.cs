using EdgeFL.Core.Storage;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Gateway.Tests.Hosting;

/// <summary>The real gateway binary speaking sd_notify to a socket the test owns.</summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private static readonly TimeSpan Watchdog = TimeSpan.FromMilliseconds(600);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-notify-").FullName;
    private readonly int _httpPort = TestPorts.Free();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task GatewayBinary_SendsReadyThenWatchdogThenStopping()
    {
        await using var gateway = await StartAsync(stallAfter: 0);
        await gateway.WaitForAsync(n => n.Count(m => m.Message == "WATCHDOG=1") >= 4, TimeSpan.FromSeconds(60));

        // Over HTTP the same verdicts: alive while it sends heartbeats, ready once it said READY=1.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}/") };
        using (var live = await http.GetAsync("health/live"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);
        }

        using (var ready = await http.GetAsync("health/ready"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("gateway gw-notify: broker listening on port", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await gateway.TerminateAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, gateway.ExitCode);
        var messages = gateway.Notifications.Select(n => n.Message).Where(m => !m.StartsWith("STATUS=", StringComparison.Ordinal)).ToList();
        Assert.Equal("READY=1", messages[0]);
        Assert.Equal("STOPPING=1", messages[^1]);
        Assert.All(messages.Skip(1).SkipLast(1), m => Assert.Equal("WATCHDOG=1", m));
        Assert.Contains(gateway.Notifications, n => n.Message.StartsWith("STATUS=gateway gw-notify: broker listening on port", StringComparison.Ordinal));

        // Heartbeats come at about half of WATCHDOG_USEC; generous bounds, this machine is shared.
        var beats = gateway.Notifications.Where(n => n.Message == "WATCHDOG=1").Select(n => n.At).ToList();
        var gaps = beats.Zip(beats.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Max() < Watchdog * 2, $"heartbeat gaps {string.Join(", ", gaps)}");

        // With NOTIFY_SOCKET set the console logs carry syslog priority prefixes for journald.
        Assert.Matches(@"(?m)^<6>", gateway.Output);
    }

    [Fact]
    public async Task GatewayBinary_StalledRoundLoop_StopsHeartbeat()
    {
        await using var gateway = await StartAsync(stallAfter: 2);
        await gateway.WaitForAsync(n => n.Any(m => m.Message == "READY=1"), TimeSpan.FromSeconds(60));

        // Rounds last 0.2 s: the loop stalls at once, and heartbeats stop once its heartbeat is older
        // than Service:LivenessTimeout (1.5 s). Wait until no heartbeat came for 3 s.
        await gateway.WaitForAsync(
            n => n.Any(m => m.Message == "WATCHDOG=1") && gateway.Now - n.Last(m => m.Message == "WATCHDOG=1").At > TimeSpan.FromSeconds(3),
            TimeSpan.FromSeconds(60));
        Assert.False(gateway.HasExited);
        Assert.Contains("StallRoundLoopAfter", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("Watchdog heartbeat withheld: failing checks round-loop", gateway.Output, StringComparison.Ordinal);

        // Liveness over HTTP fails with the check that stopped the heartbeat; readiness too (it includes liveness).
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}/") };
        using (var live = await http.GetAsync("health/live"))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, live.StatusCode);
            Assert.Contains("failing watchdog checks: round-loop", await live.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var ready = await http.GetAsync("health/ready"))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        await gateway.TerminateAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("STOPPING=1", gateway.Notifications[^1].Message);
    }

    private async Task<GatewayBinary> StartAsync(int stallAfter)
    {
        string model = Path.Combine(_dir, "initial-model.msgpack");
        await ModelFile.SaveAsync(model, TestModels.Message(TestModels.Filled(0)));

        // Layering: the file in EDGEFL_CONFIG_DIR sets most keys; the command line overrides the port.
        await File.WriteAllTextAsync(Path.Combine(_dir, "gateway.json"), $$"""
            {
              "Gateway": {
                "GatewayId": "gw-notify",
                "InitialModelPath": "{{model}}",
                "Broker": { "Port": 1 },
                "Rounds": { "Deadline": "00:00:00.2" },
                "Diagnostics": { "StallRoundLoopAfter": {{stallAfter}} }
              },
              "Service": { "LivenessTimeout": "00:00:01.5" }
            }
            """);
        return new GatewayBinary(_dir, Watchdog, [$"--Gateway:Broker:Port={TestPorts.Free()}", $"--Observability:Port={_httpPort}"]);
    }
}
