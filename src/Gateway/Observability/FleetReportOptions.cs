namespace EdgeFL.Gateway.Observability;

/// <summary>How often a gateway reports its fleet to the cloud's dashboard (section <c>Gateway:Cloud</c>).</summary>
internal sealed class FleetReportOptions
{
    public const string Section = "Gateway:Cloud";

    /// <summary>The interval between fleet reports; zero turns them off.</summary>
    public TimeSpan FleetReportInterval { get; set; } = TimeSpan.FromSeconds(5);
}
