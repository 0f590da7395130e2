using EdgeFL.Core.Diagnostics;
using EdgeFL.Observability;
using EdgeFL.Observability.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeFL.CloudBridge.Observability;

/// <summary>Registers what the cloud shows its operator: the listener (metrics, health) and the fleet dashboard.</summary>
internal static class CloudObservabilityExtensions
{
    /// <summary>Call after <c>AddEdgeFlCloudAggregator</c>.</summary>
    public static IServiceCollection AddEdgeFlCloudObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IDashboardSource, CloudDashboard>();
        return services.AddEdgeFlObservability(configuration, ObservabilityDefaults.Cloud, EdgeFlMeters.Cloud, EdgeFlMeters.Broker);
    }
}
