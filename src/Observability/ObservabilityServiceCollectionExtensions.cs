using EdgeFL.Hosting;
using EdgeFL.Observability.Health;
using EdgeFL.Observability.Http;
using EdgeFL.Observability.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace EdgeFL.Observability;

/// <summary>Registers a service's observability listener: OpenTelemetry metrics in Prometheus' format, health, the dashboard.</summary>
public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The one instrument with a series per device (bounded by <c>Observability:MaxDeviceSeries</c>).</summary>
    public const string PerDeviceInstrument = "edgefl.gateway.device.battery";

    /// <summary>Series kept per instrument otherwise: reasons are at most 64 (<c>ReasonTally</c>), plus one for an overflow.</summary>
    public const int DefaultCardinalityLimit = 72;

    /// <summary>
    /// Adds section <c>Observability</c> (validated at start; defaults from <paramref name="defaults"/>) and, when
    /// it is enabled, OpenTelemetry over <paramref name="meters"/> (and the runtime's own), liveness and readiness
    /// checks agreeing with the systemd watchdog, and the HTTP listener. A dashboard is served when the
    /// service registered an <see cref="Dashboard.IDashboardSource"/> and <c>Observability:Dashboard</c> is on.
    /// </summary>
    public static IServiceCollection AddEdgeFlObservability(this IServiceCollection services, IConfiguration configuration, ObservabilityDefaults defaults, params string[] meters)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(defaults);
        var section = configuration.GetSection(ObservabilityOptions.Section);
        services.AddOptions<ObservabilityOptions>()
            .Configure(o =>
            {
                o.Enabled = defaults.Enabled;
                o.Port = defaults.Port;
                o.Dashboard = defaults.Dashboard;
            })
            .Bind(section)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>());
        if (!section.GetValue(nameof(ObservabilityOptions.Enabled), defaults.Enabled))
        {
            return services;
        }

        services.TryAddSingleton<ServiceHealth>();
        services.AddSingleton<MetricsScrape>();
        bool runtime = section.GetValue(nameof(ObservabilityOptions.RuntimeMetrics), true);
        int deviceSeries = section.GetValue(nameof(ObservabilityOptions.MaxDeviceSeries), new ObservabilityOptions().MaxDeviceSeries);
        services.AddOpenTelemetry().WithMetrics(b =>
        {
            b.AddMeter(meters);

            // OpenTelemetry preallocates CardinalityLimit points per metric stream (2000 by default): about
            // 10 MB of RSS over a gateway's ~90 streams. EdgeFL's tags are bounded far below that.
            b.AddView(instrument => new MetricStreamConfiguration
            {
                CardinalityLimit = instrument.Name == PerDeviceInstrument ? Math.Max(deviceSeries, 0) + 2 : DefaultCardinalityLimit,
            });
            if (runtime)
            {
                b.AddRuntimeInstrumentation();
            }

            b.AddReader(sp => sp.GetRequiredService<MetricsScrape>().Reader);
        });
        services.AddHealthChecks()
            .AddCheck<WatchdogLivenessCheck>(WatchdogLivenessCheck.Name, tags: [HealthTags.Live])
            .AddCheck<ReadinessCheck>(ReadinessCheck.Name, tags: [HealthTags.Ready]);
        services.AddSingleton<ObservabilityServer>();
        services.AddHostedService(sp => sp.GetRequiredService<ObservabilityServer>());
        return services;
    }
}
