namespace EdgeFL.Core.Messages;

/// <summary>A device's presence and power telemetry.</summary>
/// <param name="DeviceId">The reporting device.</param>
/// <param name="Online">False in a last-will or orderly goodbye.</param>
/// <param name="BatteryLevel">State of charge, 0..1.</param>
/// <param name="Charging">True while on external power.</param>
/// <param name="At">When the status was sampled (millisecond precision on the wire).</param>
public sealed record DeviceStatus(
    string DeviceId,
    bool Online,
    double BatteryLevel,
    bool Charging,
    DateTimeOffset At);
