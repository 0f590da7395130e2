namespace EdgeFL.Core.Messages;

/// <summary>
/// A device's periodic report of what it can do: power, link, compute and memory. The gateway picks
/// each round's participants from these (docs/PROTOCOL.md, "telemetry").
/// </summary>
/// <param name="DeviceId">The reporting device.</param>
/// <param name="At">When the readings were taken (millisecond precision on the wire).</param>
/// <param name="BatteryLevel">State of charge, 0..1.</param>
/// <param name="Charging">True while on external power.</param>
/// <param name="Connected">True when the device's link is up (false only in a report queued while offline).</param>
/// <param name="BandwidthKbps">Uplink bandwidth estimate, kbit/s (0 if unknown).</param>
/// <param name="ComputeTier">0 low, 1 mid, 2 high: coarse class of the device's compute (docs/PROTOCOL.md).</param>
/// <param name="EstimatedTrainingSeconds">The device's estimate of one round's local training time (0 if unknown).</param>
/// <param name="FreeMemoryMb">Memory free for training, MiB.</param>
/// <param name="Volts">Battery voltage, when the power source measures it.</param>
/// <param name="Amps">Battery current (positive discharging), when the power source measures it.</param>
public sealed record DeviceTelemetry(
    string DeviceId,
    DateTimeOffset At,
    double BatteryLevel,
    bool Charging,
    bool Connected,
    double BandwidthKbps,
    int ComputeTier,
    double EstimatedTrainingSeconds,
    double FreeMemoryMb,
    double? Volts = null,
    double? Amps = null);
