namespace EdgeFL.DeviceClient.Hosting;

/// <summary>How often a stand-alone device reports telemetry (section <c>Device:Telemetry</c>).</summary>
internal sealed class DeviceTelemetryOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Device:Telemetry";

    /// <summary>Interval between reports (besides on connect, after each round, on power edges).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);
}
