namespace EdgeFL.Gateway.Selection;

/// <summary>Energy-aware participant selection (section <c>Gateway:Selection</c>); see docs/CONFIGURATION.md.</summary>
internal sealed class SelectionOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Gateway:Selection";

    /// <summary>All (default: everyone may train) or Energy.</summary>
    public SelectionMode Mode { get; set; } = SelectionMode.All;

    /// <summary>A device below this battery level (0-1) is not picked unless it is charging.</summary>
    public double MinBatteryLevel { get; set; } = 0.3;

    /// <summary>
    /// Longest expected training time (the device's <c>est_train_s</c>) a picked device may have;
    /// null uses <c>Gateway:Rounds:Deadline</c>.
    /// </summary>
    public TimeSpan? TrainingBudget { get; set; }

    /// <summary>Fraction (0-1] of the eligible devices picked each round, least recently picked first.</summary>
    public double ParticipantFraction { get; set; } = 0.8;

    /// <summary>
    /// A device skipped this many rounds in a row only for being slow is picked anyway (if its battery
    /// allows), so no device is starved for ever.
    /// </summary>
    public int MaxSkippedRounds { get; set; } = 5;

    /// <summary>Telemetry older than this is ignored (the device counts as unknown: eligible).</summary>
    public TimeSpan TelemetryMaxAge { get; set; } = TimeSpan.FromMinutes(10);
}
