namespace EdgeFL.DeviceClient.Power;

/// <summary>Where a device learns its battery state.</summary>
internal interface IPowerSource
{
    /// <summary>The current reading.</summary>
    PowerReading Read();

    /// <summary>
    /// Accounts for energy the device just spent. Real sources ignore it (the hardware reports the
    /// effect); the simulated battery drains by it.
    /// </summary>
    void Consume(double milliampHours);
}
