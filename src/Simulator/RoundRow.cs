namespace EdgeFL.Simulator;

/// <summary>One round of the demo, summed over gateways: a line of progress and a row of the history CSV.</summary>
internal sealed record RoundRow(
    long Round,
    int Participants,
    int Declined,
    int Rejected,
    long Samples,
    double MeanLoss,
    double EnergyMah,
    int Offline,
    double ElapsedSeconds)
{
    /// <summary>Global model accuracy when this round ended with a cloud sync; NaN otherwise.</summary>
    public double GlobalAccuracy { get; set; } = double.NaN;
}
