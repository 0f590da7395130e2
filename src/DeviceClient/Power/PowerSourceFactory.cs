namespace EdgeFL.DeviceClient.Power;

/// <summary>Builds the power source <see cref="PowerOptions.Source"/> names.</summary>
internal static class PowerSourceFactory
{
    /// <summary>Creates the configured source; the simulated one starts from the profile's battery.</summary>
    public static IPowerSource Create(PowerOptions options, DeviceProfile profile) => options.Source switch
    {
        PowerSourceKind.Simulated => new SimulatedBattery(profile.BatteryCapacityMah, profile.BatteryLevel),
        PowerSourceKind.Sysfs => new SysfsPowerSource(options.Sysfs),
        PowerSourceKind.Gpio => new GpioPowerSource(options.Gpio),
        PowerSourceKind.Ina219 => new Ina219PowerSource(options.Ina219),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Source, "unknown power source"),
    };
}
