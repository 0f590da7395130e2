using System.Device.I2c;
using Iot.Device.Adc;

namespace EdgeFL.DeviceClient.Power;

/// <summary>
/// A battery watched by an INA219 current/voltage monitor on I2C (Iot.Device.Bindings). The level
/// comes from the bus voltage through <see cref="VoltageCurve"/> (per cell), charging from the current
/// direction: the shunt sits in the battery lead, current positive while discharging.
/// </summary>
internal sealed class Ina219PowerSource : IPowerSource, IDisposable
{
    private readonly Ina219 _monitor;
    private readonly Ina219PowerOptions _options;
    private readonly double _currentLsb;

    /// <summary>Opens /dev/i2c-{BusId} at the configured address.</summary>
    public Ina219PowerSource(Ina219PowerOptions options)
        : this(options, I2cDevice.Create(new I2cConnectionSettings(options.BusId, options.Address)))
    {
    }

    /// <summary>Uses <paramref name="device"/> (tests hand in a simulated register file); takes ownership.</summary>
    public Ina219PowerSource(Ina219PowerOptions options, I2cDevice device)
    {
        _options = options;
        _monitor = new Ina219(device);

        // Datasheet section 8.5.1: Current_LSB = max expected current / 2^15, Cal = 0.04096 / (Current_LSB x R_shunt).
        float currentLsb = (float)(options.MaxCurrentAmps / 32768);
        ushort calibration = (ushort)Math.Min(ushort.MaxValue - 1, Math.Truncate(0.04096 / (currentLsb * options.ShuntOhms)));
        _monitor.BusVoltageRange = Ina219BusVoltageRange.Range32v;
        _monitor.SetCalibration(calibration, currentLsb);
        _currentLsb = currentLsb;
    }

    /// <inheritdoc />
    public PowerReading Read()
    {
        double volts = _monitor.ReadBusVoltage().Volts;
        double amps = _monitor.ReadCurrent().Amperes;

        // The current register is two's complement (datasheet 8.6.3.4), but Iot.Device.Bindings 4.2
        // scales it as unsigned: a charging (negative) current comes back near +2 x MaxCurrentAmps.
        if (amps > 32767.5 * _currentLsb)
        {
            amps -= 65536 * _currentLsb;
        }

        return new PowerReading(VoltageCurve.Level(volts, _options.Cells), amps < _options.ChargingBelowAmps, volts, amps);
    }

    /// <summary>Real hardware reports the effect itself: nothing to account.</summary>
    public void Consume(double milliampHours)
    {
    }

    /// <inheritdoc />
    public void Dispose() => _monitor.Dispose();
}
