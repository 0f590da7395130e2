using EdgeFL.Core.Messages;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;

namespace EdgeFL.DeviceClient.Telemetry;

/// <summary>
/// Builds a device's telemetry: power from its source, compute tier and bandwidth from its profile,
/// the expected training time (the last measured round, else the profile's cost model), and free
/// memory (the profile's MemoryMb when simulated, else <see cref="MemoryProbe"/>).
/// </summary>
internal sealed class TelemetrySampler(DeviceOptions options, DeviceProfile profile, ILocalTrainer trainer, IPowerSource power, TimeProvider time)
{
    private double _lastTrainingSeconds;

    /// <summary>Records how long the last round's training took (simulated cost included).</summary>
    public void RecordTraining(double seconds) => Volatile.Write(ref _lastTrainingSeconds, seconds);

    /// <summary>Memory free for training, MiB.</summary>
    public double FreeMemoryMb() => options.SimulateCost ? profile.MemoryMb : Math.Min(profile.MemoryMb, MemoryProbe.AvailableMb());

    /// <summary>Expected seconds of one round's training.</summary>
    public double EstimatedTrainingSeconds()
    {
        double last = Volatile.Read(ref _lastTrainingSeconds);
        return last > 0 ? last : EnergyModel.SimulatedTrainingSeconds(trainer.Epochs, trainer.SampleCount, trainer.BatchSize, profile.ComputeFlops);
    }

    public DeviceTelemetry Sample(bool connected)
    {
        var reading = power.Read();
        return new DeviceTelemetry(
            options.DeviceId,
            time.GetUtcNow(),
            Math.Clamp(reading.Level, 0, 1),
            reading.Charging,
            connected,
            profile.BandwidthKbps,
            ComputeTier.FromFlops(profile.ComputeFlops),
            EstimatedTrainingSeconds(),
            FreeMemoryMb(),
            reading.Volts,
            reading.Amps);
    }
}
