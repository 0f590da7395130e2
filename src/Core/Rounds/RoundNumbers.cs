namespace EdgeFL.Core.Rounds;

/// <summary>
/// The range of round numbers every tier accepts: 0 to 2^53 - 1 (exact in a double, so in any language's
/// MessagePack decoder). Any arithmetic on two valid rounds (next round, staleness, a lead) stays far from
/// int64 overflow; a message naming a round outside the range is refused when it is decoded.
/// </summary>
public static class RoundNumbers
{
    /// <summary>The largest round number a message may carry.</summary>
    public const long Max = (1L << 53) - 1;

    /// <summary>True when <paramref name="round"/> is within 0..<see cref="Max"/>.</summary>
    public static bool IsValid(long round) => round is >= 0 and <= Max;
}
