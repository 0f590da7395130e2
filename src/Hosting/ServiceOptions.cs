namespace EdgeFL.Hosting;

/// <summary>How a service reports to its supervisor (section <c>Service</c>); see docs/CONFIGURATION.md.</summary>
public sealed class ServiceOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Service";

    /// <summary>
    /// A loop whose heartbeat is older than this is stalled: watchdog heartbeats stop, and systemd
    /// restarts the service once <c>WatchdogSec</c> passes without one.
    /// </summary>
    public TimeSpan LivenessTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A broker connection down for longer than this fails the broker check (short drops are the
    /// reconnect loop's business).
    /// </summary>
    public TimeSpan ConnectionGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a graceful stop may take (the host's shutdown timeout); keep it below the unit's
    /// <c>TimeoutStopSec</c> (30 s) so the service finishes before systemd sends SIGKILL.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
