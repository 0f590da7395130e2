namespace EdgeFL.DeviceClient.Power;

/// <summary>A battery that drains by the energy the device reports spending (the demo's power source).</summary>
internal sealed class SimulatedBattery : IPowerSource
{
    private readonly Lock _lock = new();
    private readonly double _capacityMah;
    private double _level;
    private bool _charging;

    /// <summary>Creates a battery with a capacity and an initial charge (0-1).</summary>
    public SimulatedBattery(double capacityMah, double level, bool charging = false)
    {
        if (!(capacityMah > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(capacityMah), capacityMah, "capacity must be positive");
        }

        if (level is < 0 or > 1 || double.IsNaN(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "level must be in [0, 1]");
        }

        _capacityMah = capacityMah;
        _level = level;
        _charging = charging;
    }

    /// <inheritdoc />
    public PowerReading Read()
    {
        lock (_lock)
        {
            return new PowerReading(_level, _charging);
        }
    }

    /// <inheritdoc />
    public void Consume(double milliampHours)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliampHours);
        lock (_lock)
        {
            if (!_charging)
            {
                _level = Math.Max(0, _level - (milliampHours / _capacityMah));
            }
        }
    }

    /// <summary>Plugs in or unplugs the charger.</summary>
    public void SetCharging(bool charging)
    {
        lock (_lock)
        {
            _charging = charging;
        }
    }
}
