namespace EdgeFL.Observability;

/// <summary>What differs between services before configuration is read: whether the listener is on, its port, whether it serves the dashboard.</summary>
/// <param name="Enabled">The default of <c>Observability:Enabled</c>.</param>
/// <param name="Port">The default of <c>Observability:Port</c>.</param>
/// <param name="Dashboard">The default of <c>Observability:Dashboard</c>.</param>
public sealed record ObservabilityDefaults(bool Enabled, int Port, bool Dashboard)
{
    /// <summary>A gateway: on, loopback, port 9464, no dashboard.</summary>
    public static ObservabilityDefaults Gateway { get; } = new(true, 9464, false);

    /// <summary>The cloud aggregator: on, loopback, port 9465, with the dashboard.</summary>
    public static ObservabilityDefaults Cloud { get; } = new(true, 9465, true);

    /// <summary>A device: off (port 9466 when turned on).</summary>
    public static ObservabilityDefaults Device { get; } = new(false, 9466, false);
}
