using EdgeFL.Messaging;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge.Hosting;

/// <summary>
/// The cloud aggregator's report to systemd. A probe client connects to the cloud broker (the
/// embedded one over loopback, or the external one): READY=1 once that works. With the embedded
/// broker, the watchdog's "cloud-broker" check passes while the probe stays connected (its keep-alive
/// pings the broker), allowing <see cref="ServiceOptions.ConnectionGrace"/> for a reconnect; the
/// aggregation loop's own heartbeat is <see cref="CloudLoopHealth"/>. Registered after the aggregator,
/// so the embedded broker has started listening before the probe connects.
/// </summary>
internal sealed class CloudHealthProbe(
    IOptions<CloudAggregatorOptions> options,
    IOptions<ServiceOptions> service,
    ServiceHealth health,
    TimeProvider time,
    ILoggerFactory loggers,
    Security.CloudBrokerAccess access) : BackgroundService
{
    private MqttConnection? _probe;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_probe is not null)
        {
            await _probe.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var connection = access.Connection(access.HealthClientId);
        connection.SocketBufferBytes = 4096;
        _probe = new MqttConnection(connection, loggers.CreateLogger<CloudHealthProbe>());
        try
        {
            await _probe.StartAsync(stoppingToken).ConfigureAwait(false);
            await _probe.WaitConnectedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        if (o.EmbeddedBroker)
        {
            // An external broker's outage is not ours to fix by restarting: only the embedded one is checked.
            var link = new ConnectionLiveness(() => _probe.IsConnected, service.Value.ConnectionGrace, time);
            health.AddCheck("cloud-broker", link.IsAlive);
        }

        health.MarkReady($"cloud aggregator: broker on port {o.Port} accepts MQTT connections");
    }
}
