using EdgeFL.CloudBridge.Hosting;
using EdgeFL.CloudBridge.Link;
using EdgeFL.CloudBridge.State;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Storage;
using System.Diagnostics.Metrics;
using EdgeFL.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge;

/// <summary>Registers the cloud aggregator service.</summary>
internal static class CloudServiceCollectionExtensions
{
    /// <summary>Adds the cloud aggregator, its options (section <c>Cloud</c>, validated at start) and its model seed.</summary>
    public static IServiceCollection AddEdgeFlCloudAggregator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CloudAggregatorOptions, CloudAggregatorOptionsValidator>(configuration, CloudAggregatorOptions.Section);
        services.AddMetrics();
        services.AddSingleton(sp => new CloudMetrics(sp.GetRequiredService<IMeterFactory>()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IModelSeed>(sp => new FileModelSeed(sp.GetRequiredService<IOptions<CloudAggregatorOptions>>().Value.InitialModelPath));
        services.AddSingleton(sp => StateDatabase.Open(
            sp.GetRequiredService<IOptions<CloudAggregatorOptions>>().Value.StatePath,
            CloudStateStore.Schema,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<StateDatabase>()));
        services.AddSingleton(sp => new CloudAggregator(
            sp.GetRequiredService<IOptions<CloudAggregatorOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<CloudAggregator>(),
            sp.GetRequiredService<TimeProvider>(),
            new CloudStateStore(sp.GetRequiredService<StateDatabase>()),
            sp.GetRequiredService<CloudMetrics>(),
            sp.GetService<Region.RegionLink>()));
        services.AddSingleton<Security.CloudBrokerAccess>();
        services.AddSingleton(sp => new Observability.GlobalAccuracy(sp.GetRequiredService<CloudMetrics>()));
        services.AddSingleton(sp => new Observability.CloudFleet(sp.GetRequiredService<CloudMetrics>(), sp.GetRequiredService<TimeProvider>()));

        services.AddSingleton(sp => ModelSigner.LoadOrGenerate(sp.GetRequiredService<IOptions<CloudAggregatorOptions>>().Value.SigningKeyPath));
        services.TryAddSingleton<ServiceHealth>();
        services.AddOptions<ServiceOptions>();
        services.AddSingleton<CloudLoopHealth>();
        services.AddSingleton<CloudSeeder>();
        services.AddSingleton<GatewayLink>();

        // The link's broker listens before the loop starts, and stops after it.
        services.AddHostedService(sp => sp.GetRequiredService<GatewayLink>());
        if (configuration.GetSection(CloudAggregatorOptions.Section + ":Uplink").GetValue<bool>(nameof(CloudLink.CloudUplinkOptions.Enabled)))
        {
            // A region (docs/SCALING.md): its uplink to the tier above, started after its own broker.
            services.AddSingleton<Region.RegionLink>();
            services.AddHostedService(sp => sp.GetRequiredService<Region.RegionLink>());
        }

        services.AddHostedService<CloudAggregatorWorker>();
        return services;
    }
}
