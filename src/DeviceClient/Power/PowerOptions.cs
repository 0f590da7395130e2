namespace EdgeFL.DeviceClient.Power;

/// <summary>Where a device reads its power state (section <c>Device:Power</c>); see docs/CONFIGURATION.md.</summary>
internal sealed class PowerOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Device:Power";

    /// <summary>simulated (default), sysfs, gpio or ina219.</summary>
    public PowerSourceKind Source { get; set; } = PowerSourceKind.Simulated;

    /// <summary>Settings of the sysfs source.</summary>
    public SysfsPowerOptions Sysfs { get; set; } = new();

    /// <summary>Settings of the GPIO source.</summary>
    public GpioPowerOptions Gpio { get; set; } = new();

    /// <summary>Settings of the INA219 source.</summary>
    public Ina219PowerOptions Ina219 { get; set; } = new();
}

/// <summary>The Linux power-supply class (section <c>Device:Power:Sysfs</c>).</summary>
internal sealed class SysfsPowerOptions
{
    /// <summary>Directory of the power supplies (tests point it at a fake tree).</summary>
    public string Root { get; set; } = "/sys/class/power_supply";

    /// <summary>The battery supply's directory name; empty picks the first whose <c>type</c> is Battery.</summary>
    public string? Supply { get; set; }
}

/// <summary>A GPIO power pin (section <c>Device:Power:Gpio</c>).</summary>
internal sealed class GpioPowerOptions
{
    /// <summary>The GPIO chip (libgpiod /dev/gpiochipN); null uses System.Device.Gpio's default driver.</summary>
    public int? Chip { get; set; }

    /// <summary>The pin number (logical, as the chip numbers its lines).</summary>
    public int Pin { get; set; } = -1;

    /// <summary>True when the signal is asserted by driving the pin low (open-drain outputs usually are).</summary>
    public bool ActiveLow { get; set; } = true;

    /// <summary>What the asserted pin means: LowBattery or PowerGood.</summary>
    public GpioSignal Signal { get; set; } = GpioSignal.LowBattery;

    /// <summary>Level reported while the battery is low (LowBattery signal asserted).</summary>
    public double LowLevel { get; set; } = 0.1;

    /// <summary>Level reported otherwise: a pin says low or not, not how full.</summary>
    public double NormalLevel { get; set; } = 1.0;

    /// <summary>Bias of the input: None, PullUp or PullDown.</summary>
    public GpioBias Bias { get; set; } = GpioBias.PullUp;
}

/// <summary>An INA219 on I2C (section <c>Device:Power:Ina219</c>).</summary>
internal sealed class Ina219PowerOptions
{
    /// <summary>The I2C bus (/dev/i2c-N).</summary>
    public int BusId { get; set; } = 1;

    /// <summary>The monitor's 7-bit address (0x40-0x4F; default 64 = 0x40).</summary>
    public int Address { get; set; } = 0x40;

    /// <summary>The shunt resistor, in ohms.</summary>
    public double ShuntOhms { get; set; } = 0.1;

    /// <summary>The largest current expected, in amperes (sets the calibration's resolution).</summary>
    public double MaxCurrentAmps { get; set; } = 2.0;

    /// <summary>Li-ion cells in series: the voltage curve is per cell.</summary>
    public int Cells { get; set; } = 1;

    /// <summary>Below this current (A) flowing into the battery it counts as charging; current is positive discharging.</summary>
    public double ChargingBelowAmps { get; set; } = -0.01;
}
