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
internal sealed class FleetTelemetry
{
    private readonly ConcurrentDictionary<string, DeviceTelemetry> _devices = new(StringComparer.Ordinal);
    private readonly TopicScheme _topics;
    private readonly DecodeLimits _limits = DecodeLimits.Default with { MaxPayloadBytes = 16 * 1024, MaxTensors = 0 };
    private readonly TimeProvider _time;
    private readonly ControlRejectionLog _rejections;
    private long _rejected;

    /// <summary>
    /// How far ahead of the gateway's clock a report's <c>at</c> may be (device clocks drift). A report
    /// further ahead is refused: kept, it would outrank every honest report after it, since the newest wins.
    /// </summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromMinutes(5);

    /// <summary>Creates an empty view for one gateway.</summary>
    public FleetTelemetry(GatewayOptions options, ILogger<FleetTelemetry> logger, TimeProvider? time = null, ControlRejectionLog? rejections = null)
    {
        _topics = new TopicScheme(options.TopicPrefix);
        _time = time ?? TimeProvider.System;
        _rejections = rejections ?? new ControlRejectionLog(options, new GatewayMetrics(), logger, _time);
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

        string? problem = !WireCodec.TryDecodeTelemetry(message.Payload, _limits, out var telemetry, out var error) ? error.ToString()
            : telemetry!.DeviceId != deviceId ? "device id does not match the topic"
            : telemetry.At > _time.GetUtcNow() + MaxAhead ? $"'at' {telemetry.At:O} is more than {MaxAhead.TotalMinutes} minutes ahead of the gateway's clock"
            : null;
        if (problem is null)
        {
            Apply(telemetry!);
        }
        else
        {
            Interlocked.Increment(ref _rejected);
            _rejections.Refused("telemetry", message.Topic, deviceId, problem);
        }

        return Task.CompletedTask;
    }
}
