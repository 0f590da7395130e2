using System.Collections.Concurrent;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Selection;

/// <summary>
/// The gateway's latest telemetry from each device (battery, link, compute tier, free memory), kept
/// beside <see cref="FleetView"/>'s presence. Bad reports are counted, logged and dropped.
/// </summary>
public sealed class FleetTelemetry
{
    private readonly ConcurrentDictionary<string, DeviceTelemetry> _devices = new(StringComparer.Ordinal);
    private readonly TopicScheme _topics;
    private readonly string _gatewayId;
    private readonly ILogger _logger;
    private readonly DecodeLimits _limits = DecodeLimits.Default with { MaxPayloadBytes = 16 * 1024, MaxTensors = 0 };
    private long _rejected;

    /// <summary>Creates an empty view for one gateway.</summary>
    public FleetTelemetry(GatewayOptions options, ILogger<FleetTelemetry> logger)
    {
        _topics = new TopicScheme(options.TopicPrefix);
        _gatewayId = options.GatewayId;
        _logger = logger;
    }

    /// <summary>Telemetry reports dropped as malformed or sent under another device's topic.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Records a report (the newest by its own timestamp wins).</summary>
    public void Apply(DeviceTelemetry telemetry) =>
        _devices.AddOrUpdate(telemetry.DeviceId, telemetry, (_, old) => telemetry.At >= old.At ? telemetry : old);

    /// <summary>The latest report of a device, if any.</summary>
    public DeviceTelemetry? Get(string deviceId) => _devices.GetValueOrDefault(deviceId);

    /// <summary>Every device's latest report.</summary>
    public IReadOnlyCollection<DeviceTelemetry> Snapshot() => _devices.Values.ToArray();

    /// <summary>The MQTT handler for <see cref="TopicScheme.DeviceTelemetryFilter"/>.</summary>
    public Task OnMessageAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        string? deviceId = _topics.DeviceIdFrom(message.Topic);
        if (deviceId is null)
        {
            return Task.CompletedTask;
        }

        if (WireCodec.TryDecodeTelemetry(message.Payload, _limits, out var telemetry, out var error) && telemetry!.DeviceId == deviceId)
        {
            Apply(telemetry);
        }
        else
        {
            Interlocked.Increment(ref _rejected);
            SelectionLog.BadTelemetry(_logger, _gatewayId, message.Topic, error.IsError ? error.ToString() : "device id does not match the topic");
        }

        return Task.CompletedTask;
    }
}
