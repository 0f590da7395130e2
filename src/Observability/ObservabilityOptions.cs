namespace EdgeFL.Observability;

/// <summary>
/// The HTTP listener a service shows its operator (section <c>Observability</c>): Prometheus metrics at
/// <c>/metrics</c>, liveness and readiness at <c>/health/live</c> and <c>/health/ready</c>, and the live
/// dashboard at <c>/dashboard/</c> where the service has one. docs/CONFIGURATION.md lists the keys.
/// </summary>
public sealed class ObservabilityOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Observability";

    /// <summary>Serve the listener at all (default: on at gateways and the cloud, off on devices).</summary>
    public bool Enabled { get; set; }

    /// <summary>The address to listen on: an IP address, <c>localhost</c>, or <c>*</c> for every interface.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>The TCP port (default: 9464 at a gateway, 9465 at the cloud, 9466 on a device).</summary>
    public int Port { get; set; }

    /// <summary>Serve the live dashboard at <c>/dashboard/</c> (default: on at the cloud, off at a gateway).</summary>
    public bool Dashboard { get; set; }

    /// <summary>
    /// A file holding the bearer token every request must carry (<c>Authorization: Bearer ...</c>, or the
    /// dashboard's cookie). Required when <see cref="BindAddress"/> is not a loopback address.
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>Export the .NET runtime's own metrics (process memory, GC, thread pool).</summary>
    public bool RuntimeMetrics { get; set; } = true;

    /// <summary>
    /// At most this many devices get a series of their own in <c>edgefl.gateway.device.battery</c> (the
    /// first by id); every device still counts in <c>edgefl.gateway.devices.battery_band</c>.
    /// </summary>
    public int MaxDeviceSeries { get; set; } = 256;

    /// <summary>How often the dashboard's event stream sends a changed snapshot.</summary>
    public TimeSpan DashboardInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most dashboard event streams open at once; more are refused with 503.</summary>
    public int MaxDashboardClients { get; set; } = 16;
}
