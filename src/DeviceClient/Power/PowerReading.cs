namespace EdgeFL.DeviceClient.Power;

/// <summary>A battery reading: charge as a fraction 0-1, and whether external power is present.</summary>
public readonly record struct PowerReading(double Level, bool Charging);
