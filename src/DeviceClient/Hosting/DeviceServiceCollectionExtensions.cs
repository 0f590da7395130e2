using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Hosting;
using EdgeFL.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Registers the stand-alone device service.</summary>
internal static class DeviceServiceCollectionExtensions
{
    /// <summary>Adds the device worker and its options (section <c>Device</c>), each validated at start.</summary>
    public static IServiceCollection AddEdgeFlDevice(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DeviceOptions, DeviceOptionsValidator>(configuration, DeviceOptions.Section);
        services.AddValidatedOptions<DeviceDataOptions, DeviceDataOptionsValidator>(configuration, DeviceDataOptionsValidator.Section);
        services.AddValidatedOptions<DeviceProfile, DeviceProfileValidator>(configuration, DeviceProfileValidator.Section);
        services.AddValidatedOptions<TrainerOptions, TrainerOptionsValidator>(configuration, TrainerOptionsValidator.Section);
        services.AddValidatedOptions<TrainingBackendOptions, TrainingBackendOptionsValidator>(configuration, TrainerOptionsValidator.Section);
        services.AddValidatedOptions<PowerOptions, PowerOptionsValidator>(configuration, PowerOptions.Section);
        services.AddValidatedOptions<DeviceTelemetryOptions, DeviceTelemetryOptionsValidator>(configuration, DeviceTelemetryOptions.Section);
        services.AddMetrics();
        services.AddHostedService<DeviceWorker>();
        return services;
    }
}
