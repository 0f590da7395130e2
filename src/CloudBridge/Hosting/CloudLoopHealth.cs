using EdgeFL.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge.Hosting;

/// <summary>The aggregation loop's heartbeat, checked for liveness (systemd's watchdog is fed only while the loop turns).</summary>
internal sealed class CloudLoopHealth
{
    public CloudLoopHealth(TimeProvider time, ServiceHealth health, IOptions<ServiceOptions> service)
    {
        Loop = new LoopHeartbeat(time);
        var timeout = service.Value.LivenessTimeout;
        health.AddCheck("cloud-aggregation-loop", () => Loop.IsAlive(timeout));
    }

    /// <summary>The loop's heartbeat.</summary>
    public LoopHeartbeat Loop { get; }
}
