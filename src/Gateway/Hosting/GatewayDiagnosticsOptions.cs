namespace EdgeFL.Gateway.Hosting;

/// <summary>Test-only switches (section <c>Gateway:Diagnostics</c>); see docs/CONFIGURATION.md.</summary>
internal sealed class GatewayDiagnosticsOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Gateway:Diagnostics";

    /// <summary>
    /// For testing the watchdog only: after this many rounds the round loop hangs (stops ticking its
    /// heartbeat) until the service is stopped. 0 (default) never stalls.
    /// </summary>
    public int StallRoundLoopAfter { get; set; }
}
