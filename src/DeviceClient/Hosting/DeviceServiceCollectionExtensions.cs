using EdgeFL.DeviceClient.Power;
using EdgeFL.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Registers the stand-alone device service.</summary>
public static class DeviceServiceCollectionExtensions
{
    /// <summary>Adds the device worker and its options (section <c>Device</c>), each validated at start.</summary>
    public static IServiceCollection AddEdgeFlDevice(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeviceOptions>().Bind(configuration.GetSection(DeviceOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeviceOptions>, DeviceOptionsValidator>();
        services.AddOptions<DeviceDataOptions>().Bind(configuration.GetSection(DeviceDataOptionsValidator.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeviceDataOptions>, DeviceDataOptionsValidator>();
        services.AddOptions<DeviceProfile>().Bind(configuration.GetSection(DeviceProfileValidator.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeviceProfile>, DeviceProfileValidator>();
        services.AddOptions<TrainerOptions>().Bind(configuration.GetSection(TrainerOptionsValidator.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrainerOptions>, TrainerOptionsValidator>();
        services.AddOptions<PowerOptions>().Bind(configuration.GetSection(PowerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PowerOptions>, PowerOptionsValidator>();
        services.AddOptions<DeviceTelemetryOptions>().Bind(configuration.GetSection(DeviceTelemetryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeviceTelemetryOptions>, DeviceTelemetryOptionsValidator>();
        services.AddHostedService<DeviceWorker>();
        return services;
    }
}
