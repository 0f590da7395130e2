using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Gateway.State;
using EdgeFL.Storage;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Gateway.Cloud;
using EdgeFL.Gateway.Hosting;
using EdgeFL.Gateway.Link;
using EdgeFL.Gateway.Rounds;
using EdgeFL.Gateway.Selection;
using EdgeFL.Hosting;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway;

/// <summary>Registers the gateway service.</summary>
internal static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway worker, its options (section <c>Gateway</c>, validated at start), the fleet
    /// view, and the cloud uplink when <c>Gateway:Cloud:Enabled</c> is true.
    /// </summary>
    public static IServiceCollection AddEdgeFlGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>>(sp => new GatewayOptionsValidator(configuration));
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayId));
        services.AddValidatedOptions<OutboxOptions, OutboxOptionsValidator>(configuration, OutboxOptions.Section);
        services.AddValidatedOptions<CloudUplinkOptions, CloudUplinkOptionsValidator>(configuration, CloudUplinkOptions.Section);
        services.AddSingleton<FleetView>();
        services.TryAddSingleton<ServiceHealth>();
        services.AddOptions<ServiceOptions>();
        services.AddOptions<GatewayDiagnosticsOptions>().Bind(configuration.GetSection(GatewayDiagnosticsOptions.Section));
        services.AddSingleton<GatewayHealth>();
        services.AddValidatedOptions<SelectionOptions, SelectionOptionsValidator>(configuration, SelectionOptions.Section);
        services.AddSingleton(sp => new ControlRejectionLog(sp.GetRequiredService<IOptions<GatewayOptions>>().Value, sp.GetRequiredService<GatewayMetrics>(), sp.GetRequiredService<ILogger<ControlRejectionLog>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new FleetTelemetry(sp.GetRequiredService<IOptions<GatewayOptions>>().Value, sp.GetRequiredService<ILogger<FleetTelemetry>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ControlRejectionLog>()));
        services.AddSingleton(sp => new ParticipantSelector(
            sp.GetRequiredService<IOptions<SelectionOptions>>().Value,
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value,
            sp.GetRequiredService<FleetTelemetry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ParticipantSelector>>()));
        services.TryAddSingleton<IModelSeed>(sp => new FileModelSeed(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.InitialModelPath));
        services.AddSingleton(sp => StateDatabase.Open(
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.StatePath,
            GatewayStateStore.Schema + DurableOutbox.Schema,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<StateDatabase>()));
        services.AddSingleton(sp => new GatewayStateStore(sp.GetRequiredService<StateDatabase>()));
        services.AddSingleton(sp => new DurableOutbox(
            sp.GetRequiredService<StateDatabase>(),
            sp.GetRequiredService<IOptions<OutboxOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<DurableOutbox>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RoundCoordinator(
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value,
            sp.GetRequiredService<GatewayMetrics>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<RoundCoordinator>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<GatewayStateStore>()));

        services.AddSingleton(sp => ModelSigner.LoadOrGenerate(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.SigningKeyPath));
        if (configuration.GetSection(CloudUplinkOptions.Section).GetValue<bool>(nameof(CloudUplinkOptions.Enabled)))
        {
            services.AddSingleton<ICloudUplink>(sp =>
            {
                var gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
                var verifier = ModelVerifier.FromFile(gateway.Signing.CloudPublicKeyPath, gateway.Signing.RequireSignedModels);
                var cloud = new CloudUplink(sp.GetRequiredService<IOptions<CloudUplinkOptions>>().Value, gateway.GatewayId, new TopicScheme(gateway.TopicPrefix), sp.GetRequiredService<DurableOutbox>(), verifier, sp.GetRequiredService<ILoggerFactory>().CreateLogger<CloudUplink>(), sp.GetRequiredService<GatewayMetrics>().Meter);
                cloud.GlobalRejected += sp.GetRequiredService<GatewayMetrics>().CountGlobalRejected;
                return cloud;
            });
        }

        if (configuration.GetSection(GatewayOptions.Section).GetValue(nameof(GatewayOptions.TrimMemoryAfterRound), true))
        {
            services.AddSingleton<IGatewayObserver, RoundMemoryTrim>();
        }

        services.AddSingleton<IGatewayObserver, StopWhenFinished>();
        services.AddSingleton<GatewayBrokerFactory>();
        services.AddSingleton<DeviceLink>();
        services.AddSingleton<CloudSync>();
        services.AddSingleton<GatewaySeeder>();
        services.AddSingleton<RoundScheduler>();

        // Started in this order (the device link listens first) and stopped in the reverse one.
        services.AddHostedService(sp => sp.GetRequiredService<DeviceLink>());
        services.AddHostedService(sp => sp.GetRequiredService<CloudSync>());
        services.AddHostedService<RoundLoop>();
        return services;
    }
}
