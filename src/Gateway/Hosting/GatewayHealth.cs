using EdgeFL.Messaging;
using EdgeFL.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Hosting;

/// <summary>
/// The gateway's report to systemd: ready once its embedded broker listens and its own client is
/// connected (and the uplink started); alive while the round loop ticks its heartbeat within
/// <see cref="ServiceOptions.LivenessTimeout"/>, and, with the embedded broker, while that broker is
/// started and the gateway's own client is connected to it over loopback (or dropped less than
/// <see cref="ServiceOptions.ConnectionGrace"/> ago), which proves the listener really accepts.
/// An external broker's outage does not stop the heartbeat: restarting the gateway would not fix it.
/// </summary>
internal sealed class GatewayHealth
{
    private readonly ServiceHealth _health;
    private readonly ServiceOptions _service;
    private readonly GatewayDiagnosticsOptions _diagnostics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public GatewayHealth(ServiceHealth health, IOptions<ServiceOptions> service, IOptions<GatewayDiagnosticsOptions> diagnostics, TimeProvider time, ILogger<GatewayHealth> logger)
    {
        _health = health;
        _service = service.Value;
        _diagnostics = diagnostics.Value;
        _time = time;
        _logger = logger;
        Loop = new LoopHeartbeat(time);
        _health.AddCheck("round-loop", () => Loop.IsAlive(_service.LivenessTimeout));
    }

    /// <summary>The round loop's heartbeat.</summary>
    public LoopHeartbeat Loop { get; }

    /// <summary>Adds the broker checks and says READY.</summary>
    public void Ready(string gatewayId, EmbeddedBroker? broker, MqttConnection connection)
    {
        // With an external broker only the loop counts: a restart would not bring that broker back.
        if (broker is not null)
        {
            var link = new ConnectionLiveness(() => connection.IsConnected, _service.ConnectionGrace, _time);
            _health.AddCheck("embedded-broker", () => broker.IsRunning);
            _health.AddCheck("broker-connection", link.IsAlive);
        }

        Loop.Tick();
        _health.MarkReady(broker is null
            ? $"gateway {gatewayId}: connected to the broker"
            : $"gateway {gatewayId}: broker listening on port {broker.Port}, connected");
    }

    /// <summary>
    /// Hangs the round loop without ticking, when <see cref="GatewayDiagnosticsOptions.StallRoundLoopAfter"/>
    /// says so (testing the watchdog); returns at once otherwise.
    /// </summary>
    public async Task StallIfConfiguredAsync(long roundsRun, CancellationToken cancellationToken)
    {
        if (_diagnostics.StallRoundLoopAfter > 0 && roundsRun >= _diagnostics.StallRoundLoopAfter)
        {
            GatewayHostingLog.StallingForTest(_logger, roundsRun);
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
