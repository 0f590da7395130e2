using EdgeFL.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace EdgeFL.Observability.Health;

/// <summary>
/// Readiness over HTTP: what READY=1 says (<see cref="ServiceHealth.IsReady"/>: the gateway's broker
/// listens and its client connected; the cloud's probe connected), and not stopping (STOPPING=1).
/// </summary>
internal sealed class ReadinessCheck(ServiceHealth health, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public const string Name = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("stopping"));
        }

        return Task.FromResult(health.IsReady
            ? HealthCheckResult.Healthy(health.Ready.Result)
            : HealthCheckResult.Unhealthy("not ready yet"));
    }
}
