namespace EdgeFL.Gateway;

/// <summary>
/// How the gateway treats updates trained on an older model (section <c>Gateway:Staleness</c>):
/// an update s rounds stale (s = open round - its round) counts with weight
/// sample_count x 1/(1+s)^Exponent when s &lt;= MaxRounds, and is dropped (counted as TooStale) beyond.
/// An update that arrives between rounds (its round closed, the next not yet open) is held, up to
/// MaxLateUpdates of them, and folded into the next round when it opens (FedBuff-style), stale by at least one.
/// </summary>
internal sealed class StalenessOptions
{
    /// <summary>Most rounds an update may lag the open round (0 accepts only the open round).</summary>
    public int MaxRounds { get; set; } = 3;

    /// <summary>Most updates held between rounds for the next one (0 refuses them as NoOpenRound, as before); each costs one payload of memory until the next round opens.</summary>
    public int MaxLateUpdates { get; set; } = 16;

    /// <summary>The exponent a of the FedBuff/FedAsync-style discount 1/(1+s)^a.</summary>
    public double Exponent { get; set; } = 0.5;

    /// <summary>The weight factor for an update <paramref name="staleness"/> rounds old.</summary>
    public double Discount(long staleness) => staleness <= 0 ? 1.0 : Math.Pow(1 + staleness, -Exponent);
}
