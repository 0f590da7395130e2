using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Observability;

/// <summary>
/// The gateway's gauges of its fleet, read when collected: devices online, known and selected, the round,
/// battery per device (at most <c>Observability:MaxDeviceSeries</c> series, the first devices by id) and
/// by 20% band (every device), the cloud outbox and the uploads delivered or dead-lettered.
/// </summary>
internal sealed class GatewayFleetGauges
{
    /// <summary>The measurement tag naming a device in <c>edgefl.gateway.device.battery</c>.</summary>
    public const string DeviceTag = "edgefl.device.id";

    private static readonly string[] Bands = ["0-20", "20-40", "40-60", "60-80", "80-100"];

    public GatewayFleetGauges(GatewayFleetState state, int maxDeviceSeries)
    {
        var meter = state.Metrics.Meter;
        if (meter is null)
        {
            return;
        }

        meter.CreateObservableGauge("edgefl.gateway.devices.online", () => state.Devices().Count(d => d.Online), "{device}", "Devices whose last status says online.");
        meter.CreateObservableGauge("edgefl.gateway.devices.known", () => state.Devices().Count, "{device}", "Devices the gateway has a status from.");
        meter.CreateObservableGauge("edgefl.gateway.devices.selected", () => state.Selection is { } s ? s.Devices?.Count ?? state.Devices().Count(d => d.Online) : 0, "{device}", "Devices asked to train in the latest round (every online device when selection is off).");
        meter.CreateObservableGauge("edgefl.gateway.round", () => state.Round, "{round}", "The round open now, else the last one closed.");
        meter.CreateObservableGauge("edgefl.gateway.device.battery", () => state.Devices().Take(maxDeviceSeries).Select(d => new Measurement<double>(d.Battery, new KeyValuePair<string, object?>(DeviceTag, d.Id))), "1",
            "Battery level (0..1) of each device, for the first Observability:MaxDeviceSeries devices by id.");
        meter.CreateObservableGauge("edgefl.gateway.devices.battery_band", () => BatteryBands(state), "{device}", "Devices by battery band (20% wide), every device.");
        meter.CreateObservableGauge("edgefl.gateway.outbox.depth", () => state.OutboxDepth, "{message}", "Uploads waiting in the durable outbox for the cloud.");
        meter.CreateObservableGauge("edgefl.gateway.outbox.bytes", () => state.OutboxBytes, "By", "Bytes waiting in the durable outbox.");
        meter.CreateObservableCounter("edgefl.gateway.uploads.delivered", () => state.UploadsDelivered, "{upload}", "Uploads the cloud acknowledged since start.");
        meter.CreateObservableCounter("edgefl.gateway.uploads.dead_lettered", () => state.UploadsDeadLettered, "{upload}", "Uploads refused for good by the cloud and moved to the dead-letter table since start.");
    }

    /// <summary>Made with the observability options (its bound on per-device series).</summary>
    public GatewayFleetGauges(GatewayFleetState state, IOptions<EdgeFL.Observability.ObservabilityOptions> options)
        : this(state, options.Value.MaxDeviceSeries)
    {
    }

    private static IEnumerable<Measurement<int>> BatteryBands(GatewayFleetState state)
    {
        var counts = new int[Bands.Length];
        foreach (var d in state.Devices())
        {
            counts[Math.Clamp((int)(d.Battery * 5), 0, 4)]++;
        }

        for (int i = 0; i < Bands.Length; i++)
        {
            yield return new Measurement<int>(counts[i], new KeyValuePair<string, object?>("band", Bands[i]));
        }
    }
}
