namespace EdgeFL.DeviceClient.Power;

/// <summary>
/// A battery reading: charge as a fraction 0-1, whether external power is present, and the battery's
/// voltage and current when the source measures them (current positive while discharging).
/// </summary>
internal readonly record struct PowerReading(double Level, bool Charging, double? Volts = null, double? Amps = null);
