namespace EdgeFL.Core.Aggregation;

/// <summary>Means of int64 tensors, computed in double, back to int64.</summary>
internal static class Int64Rounding
{
    // 2^63: the first double above long.MaxValue (which itself has no exact double).
    private const double Limit = 9_223_372_036_854_775_808.0;

    /// <summary>Rounds to nearest (ties to even), saturating at the int64 range instead of wrapping (NaN gives 0).</summary>
    public static long RoundSaturating(double value)
    {
        double r = Math.Round(value, MidpointRounding.ToEven);
        return r >= Limit ? long.MaxValue : r < -Limit ? long.MinValue : double.IsNaN(r) ? 0 : (long)r;
    }
}
