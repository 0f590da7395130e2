using System.Device.Gpio;
using EdgeFL.DeviceClient.Power;

namespace EdgeFL.DeviceClient.Tests.Power;

public sealed class PowerSourceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgefl-psu-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Sysfs_ReadsBatteryCapacityStatusVoltageAndCurrent()
    {
        Supply("AC", ("type", "Mains"), ("online", "0"));
        Supply("BAT0", ("type", "Battery"), ("capacity", "57"), ("status", "Discharging"), ("voltage_now", "3801000"), ("current_now", "412000"));

        var reading = new SysfsPowerSource(new SysfsPowerOptions { Root = _root }).Read();

        Assert.Equal(0.57, reading.Level, 6);
        Assert.False(reading.Charging);
        Assert.Equal(3.801, reading.Volts!.Value, 6);
        Assert.Equal(0.412, reading.Amps!.Value, 6);
    }

    [Fact]
    public void Sysfs_ChargingFromStatusOrAnOnlineExternalSupply()
    {
        Supply("BAT1", ("type", "Battery"), ("capacity", "80"), ("status", "Full"));
        Assert.True(new SysfsPowerSource(new SysfsPowerOptions { Root = _root }).Read().Charging);

        File.WriteAllText(Path.Combine(_root, "BAT1", "status"), "Not charging\n");
        Assert.False(new SysfsPowerSource(new SysfsPowerOptions { Root = _root }).Read().Charging);

        Supply("usb", ("type", "USB"), ("online", "1"));
        Assert.True(new SysfsPowerSource(new SysfsPowerOptions { Root = _root }).Read().Charging);
    }

    [Fact]
    public void Sysfs_PicksTheBatteryByTypeOrName_AndFallsBackToEnergyRatio()
    {
        Supply("hidpp_battery_0", ("type", "Battery"), ("capacity", "10"));
        Supply("rk817-battery", ("type", "Battery"), ("energy_now", "2500000"), ("energy_full", "10000000"), ("status", "Discharging"));

        Assert.Equal(0.10, new SysfsPowerSource(new SysfsPowerOptions { Root = _root }).Read().Level, 6);
        Assert.Equal(0.25, new SysfsPowerSource(new SysfsPowerOptions { Root = _root, Supply = "rk817-battery" }).Read().Level, 6);
    }

    [Fact]
    public void Sysfs_NoBattery_ReadsAsMainsPowered()
    {
        Supply("AC", ("type", "Mains"), ("online", "1"));
        Assert.Equal(new PowerReading(1.0, true), new SysfsPowerSource(new SysfsPowerOptions { Root = _root }).Read());
        Assert.Equal(new PowerReading(1.0, true), new SysfsPowerSource(new SysfsPowerOptions { Root = Path.Combine(_root, "missing") }).Read());
    }

    [Fact]
    public void Gpio_LowBatteryPin_FollowsEdgesThroughTheController()
    {
        var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using var source = new GpioPowerSource(new GpioPowerOptions { Pin = 17, ActiveLow = true, Signal = GpioSignal.LowBattery, LowLevel = 0.1 }, controller);
        var seen = new List<PowerReading>();
        source.Changed += seen.Add;

        Assert.Equal(1.0, source.Read().Level); // pulled up: not asserted
        driver.SetInput(17, PinValue.Low);
        Assert.Equal(0.1, source.Read().Level);
        driver.SetInput(17, PinValue.High);
        Assert.Equal(1.0, source.Read().Level);

        Assert.Equal([0.1, 1.0], seen.Select(r => r.Level));
        Assert.Contains(17, driver.Opened);
    }

    [Fact]
    public void Gpio_PowerGoodPin_ActiveHigh_MeansCharging()
    {
        var driver = new FakeGpioDriver();
        driver.SetInput(4, PinValue.Low);
        using var controller = new GpioController(driver);
        using var source = new GpioPowerSource(new GpioPowerOptions { Pin = 4, ActiveLow = false, Signal = GpioSignal.PowerGood, Bias = GpioBias.PullDown }, controller);

        Assert.False(source.Read().Charging);
        driver.SetInput(4, PinValue.High);
        Assert.True(source.Read().Charging);
    }

    [Fact]
    public void Ina219_LevelFromVoltageCurve_ChargingFromCurrentDirection()
    {
        var chip = new SimulatedIna219();
        var options = new Ina219PowerOptions { MaxCurrentAmps = 2.0, ShuntOhms = 0.1 };
        using var source = new Ina219PowerSource(options, chip);
        double lsb = 2.0 / 32768;
        Assert.Equal((ushort)Math.Truncate(0.04096 / (lsb * 0.1)), chip.Calibration);

        chip.Set(busVolts: 3.80, amps: 0.25, currentLsb: lsb);
        var discharging = source.Read();
        Assert.Equal(0.60, discharging.Level, 2);
        Assert.False(discharging.Charging);
        Assert.Equal(3.80, discharging.Volts!.Value, 2);
        Assert.Equal(0.25, discharging.Amps!.Value, 2);

        chip.Set(busVolts: 4.10, amps: -0.5, currentLsb: lsb);
        var charging = source.Read();
        Assert.Equal(-0.5, charging.Amps!.Value, 2);
        Assert.True(charging.Charging);
    }

    [Theory]
    [InlineData(2.5, 1, 0.0)]
    [InlineData(3.0, 1, 0.0)]
    [InlineData(3.71, 1, 0.30)]
    [InlineData(4.2, 1, 1.0)]
    [InlineData(4.5, 1, 1.0)]
    [InlineData(7.6, 2, 0.60)]
    public void VoltageCurve_InterpolatesPerCell(double volts, int cells, double level) =>
        Assert.Equal(level, VoltageCurve.Level(volts, cells), 2);

    [Fact]
    public void PowerOptions_ValidatorNamesTheKey()
    {
        var result = new PowerOptionsValidator().Validate(null, new PowerOptions { Source = PowerSourceKind.Gpio });
        Assert.True(result.Failed);
        Assert.Contains("Device:Power:Gpio:Pin", result.FailureMessage, StringComparison.Ordinal);

        result = new PowerOptionsValidator().Validate(null, new PowerOptions { Source = PowerSourceKind.Ina219, Ina219 = new Ina219PowerOptions { Address = 0x20 } });
        Assert.Contains("Device:Power:Ina219:Address", result.FailureMessage, StringComparison.Ordinal);
    }

    private void Supply(string name, params (string File, string Text)[] files)
    {
        string dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        foreach (var (file, text) in files)
        {
            File.WriteAllText(Path.Combine(dir, file), text + "\n");
        }
    }
}
