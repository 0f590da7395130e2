namespace EdgeFL.Gateway;

/// <summary>What one closed round at a gateway produced.</summary>
/// <param name="GatewayId">The gateway.</param>
/// <param name="Round">The round number.</param>
/// <param name="Accepted">Updates folded into the aggregate (stale ones included, see <see cref="Stale"/>).</param>
/// <param name="Declined">Devices that said they would not take part.</param>
/// <param name="Rejected">Updates refused (wrong round, repeats, malformed, invalid).</param>
/// <param name="Samples">Sum of the accepted updates' sample counts.</param>
/// <param name="MeanLoss">Sample-weighted mean of the accepted updates' training loss (NaN when none).</param>
/// <param name="EnergyMah">Energy the accepted updates report spending.</param>
/// <param name="Duration">Time from opening to closing.</param>
/// <param name="CloseReason">Why it closed.</param>
/// <param name="ModelUpdated">True when a new model was aggregated (false: the model carried over).</param>
internal sealed record RoundResult(
    string GatewayId,
    long Round,
    int Accepted,
    int Declined,
    int Rejected,
    long Samples,
    double MeanLoss,
    double EnergyMah,
    TimeSpan Duration,
    RoundCloseReason CloseReason,
    bool ModelUpdated)
{
    /// <summary>Accepted updates trained on an older round, folded with a staleness discount.</summary>
    public int Stale { get; init; }

    /// <summary>Of the stale updates, those that arrived between rounds and were held for this one (Gateway:Staleness:MaxLateUpdates).</summary>
    public int Late { get; init; }

    /// <summary>
    /// Median L2 norm of the accepted updates' changes from the round's model (after clipping); NaN when no
    /// norm bound is on (norms are only computed for one) or nothing was accepted.
    /// </summary>
    public double MedianUpdateNorm { get; init; } = double.NaN;
}
