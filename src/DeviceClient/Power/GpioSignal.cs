namespace EdgeFL.DeviceClient.Power;

/// <summary>What an asserted GPIO power pin means (<c>Device:Power:Gpio:Signal</c>).</summary>
internal enum GpioSignal
{
    /// <summary>Asserted: the battery is low (e.g. a fuel gauge's or PMIC's LBO output).</summary>
    LowBattery,

    /// <summary>Asserted: external power is present (e.g. a charger's PGOOD output).</summary>
    PowerGood,
}
