namespace EdgeFL.DeviceClient.Power;

/// <summary>Where a device reads its power state (<c>Device:Power:Source</c>).</summary>
internal enum PowerSourceKind
{
    /// <summary>The profile's simulated battery, drained by the energy model (the demo).</summary>
    Simulated,

    /// <summary>Linux power-supply class files under /sys/class/power_supply.</summary>
    Sysfs,

    /// <summary>A low-battery or power-good GPIO input.</summary>
    Gpio,

    /// <summary>An INA219 current/voltage monitor on I2C.</summary>
    Ina219,
}
