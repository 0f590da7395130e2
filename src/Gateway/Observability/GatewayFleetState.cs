using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Gateway.Rounds;
using EdgeFL.Gateway.Selection;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Observability;

/// <summary>What the gateway knows of its fleet right now, gathered from its parts for the gauges, the dashboard and the fleet report.</summary>
internal sealed class GatewayFleetState(
    IOptions<GatewayOptions> options,
    FleetView fleet,
    FleetTelemetry telemetry,
    RoundCoordinator rounds,
    RoundScheduler scheduler,
    GatewayMetrics metrics,
    GatewayRoundHistory history,
    DurableOutbox outbox,
    TimeProvider time,
    ICloudUplink? uplink = null)
{
    public string GatewayId => options.Value.GatewayId;

    public long SyncEvery => options.Value.Rounds.SyncEvery;

    public GatewayMetrics Metrics => metrics;

    public GatewayRoundHistory History => history;

    public TimeProvider Time => time;

    public bool CloudEnabled => uplink is not null;

    public bool CloudConnected => (uplink as CloudUplink)?.IsConnected ?? false;

    /// <summary>The round open now, else the last one closed.</summary>
    public long Round => rounds.OpenRoundNumber ?? rounds.Version;

    public bool RoundOpen => rounds.OpenRoundNumber is not null;

    public int OutboxDepth => outbox.Count;

    public long OutboxBytes => outbox.Bytes;

    public long UploadsDelivered => (uplink as CloudUplink)?.Delivered ?? 0;

    public long UploadsDeadLettered => outbox.DeadLettered;

    public (long Round, IReadOnlySet<string>? Devices)? Selection => scheduler.Selection;

    /// <summary>Every device the gateway has heard of, by id: presence from its status, battery from its newest report.</summary>
    public IReadOnlyList<DeviceView> Devices()
    {
        var byId = new SortedDictionary<string, DeviceView>(StringComparer.Ordinal);
        foreach (var s in fleet.Snapshot())
        {
            byId[s.DeviceId] = new DeviceView(s.DeviceId, s.Online, s.BatteryLevel, s.Charging, s.At);
        }

        foreach (var t in telemetry.Snapshot())
        {
            if (byId.TryGetValue(t.DeviceId, out var d))
            {
                byId[t.DeviceId] = t.At >= d.LastSeen ? d with { Battery = t.BatteryLevel, Charging = t.Charging, LastSeen = t.At } : d;
            }
        }

        return [.. byId.Values];
    }

    /// <summary>One device as the gateway sees it.</summary>
    public sealed record DeviceView(string Id, bool Online, double Battery, bool Charging, DateTimeOffset LastSeen);
}
