using EdgeFL.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeFL.Observability.Health;

/// <summary>
/// Liveness over HTTP, from the same checks as the systemd watchdog (<see cref="ServiceHealth.FailingChecks"/>):
/// healthy exactly when a WATCHDOG=1 heartbeat would be sent now.
/// </summary>
internal sealed class WatchdogLivenessCheck(ServiceHealth health) : IHealthCheck
{
    public const string Name = "watchdog";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failing = health.FailingChecks();
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy("every watchdog check passes")
            : HealthCheckResult.Unhealthy("failing watchdog checks: " + string.Join(", ", failing)));
    }
}
