namespace EdgeFL.DeviceClient;

/// <summary>
/// The resources of a (simulated) device, as in the reference tutorial: they drive the simulated
/// training time, energy and battery drain (section <c>Device:Profile</c>).
/// </summary>
internal sealed record DeviceProfile
{
    /// <summary>RAM available for training.</summary>
    public double MemoryMb { get; init; } = 256;

    /// <summary>Sustained compute, in floating-point operations per second.</summary>
    public double ComputeFlops { get; init; } = 1e9;

    /// <summary>Battery capacity.</summary>
    public double BatteryCapacityMah { get; init; } = 3000;

    /// <summary>Initial charge, 0-1.</summary>
    public double BatteryLevel { get; init; } = 1.0;

    /// <summary>Uplink bandwidth.</summary>
    public double BandwidthKbps { get; init; } = 1000;

    /// <summary>Whether the device starts online.</summary>
    public bool Connected { get; init; } = true;

    /// <summary>Throws with a message naming the field when the profile is impossible.</summary>
    public void Validate()
    {
        if (!(MemoryMb > 0) || !(ComputeFlops > 0) || !(BatteryCapacityMah > 0) || !(BandwidthKbps > 0))
        {
            throw new ArgumentException("Device:Profile: MemoryMb, ComputeFlops, BatteryCapacityMah and BandwidthKbps must be positive");
        }

        if (BatteryLevel is < 0 or > 1 || double.IsNaN(BatteryLevel))
        {
            throw new ArgumentException($"Device:Profile:BatteryLevel must be in [0, 1] (was {BatteryLevel})");
        }
    }
}
