using EdgeFL.CloudLink;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Hosting;
using EdgeFL.Observability;
using EdgeFL.Observability.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeFL.Gateway.Observability;

/// <summary>Registers what a gateway shows its operator: the fleet gauges, the round history, the listener, the dashboard, the fleet report to the cloud.</summary>
internal static class GatewayObservabilityExtensions
{
    /// <summary>Call after <c>AddEdgeFlGateway</c>.</summary>
    public static IServiceCollection AddEdgeFlGatewayObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<GatewayRoundHistory>();
        services.AddSingleton<IGatewayObserver>(sp => sp.GetRequiredService<GatewayRoundHistory>());
        services.AddSingleton<GatewayFleetState>();
        services.AddSingleton<GatewayFleetGauges>();
        services.AddSingleton<IDashboardSource, GatewayDashboard>();
        services.AddValidatedOptions<FleetReportOptions, FleetReportOptionsValidator>(configuration, FleetReportOptions.Section);
        services.AddEdgeFlObservability(configuration, ObservabilityDefaults.Gateway, EdgeFlMeters.Gateway, EdgeFlMeters.Broker);

        // The gauges exist once made: make them when the host starts, whether or not anything listens.
        services.AddHostedService(sp => new StartWith(() => sp.GetRequiredService<GatewayFleetGauges>()));
        if (configuration.GetSection(CloudUplinkOptions.Section).GetValue<bool>(nameof(CloudUplinkOptions.Enabled)))
        {
            services.AddHostedService<FleetReportPublisher>();
        }

        return services;
    }

    private sealed class StartWith(Func<object> make) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            make();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
