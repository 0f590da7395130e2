using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Hosting;
using EdgeFL.Training;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>What <c>EdgeFL.DeviceClient --help</c> prints.</summary>
internal static class DeviceUsage
{
    public static ServiceUsage Create() =>
        new ServiceUsage(
                "EdgeFL.DeviceClient",
                "device",
                "one federated-learning device: connects to its gateway's broker, trains the round's model on its local data when its battery allows, and publishes the update (buffered on disk while offline).")
            .Section<DeviceOptions>(DeviceOptions.Section)
            .Section<DeviceDataOptions>(DeviceDataOptionsValidator.Section)
            .Section<TrainerOptions>(TrainerOptionsValidator.Section)
            .Section<TrainingBackendOptions>(TrainerOptionsValidator.Section)
            .Section<DeviceProfile>(DeviceProfileValidator.Section)
            .Section<PowerOptions>(PowerOptions.Section)
            .Section<DeviceTelemetryOptions>(DeviceTelemetryOptions.Section)
            .Section<ServiceOptions>(ServiceOptions.Section)
            .Section<EdgeFL.Observability.ObservabilityOptions>(EdgeFL.Observability.ObservabilityOptions.Section);
}
