namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Weights as the aggregators use them: divided by a power of two at least the largest weight allowed, so
/// they lie in (0, 1]. The float32 running sums of finite models then overflow only for values near
/// float32's own limit, and, a power of two dividing without rounding, the mean is bit for bit the same.
/// </summary>
public static class AggregationWeights
{
    /// <summary>The smallest power of two at least <paramref name="largestWeight"/> (1 for anything up to 1).</summary>
    public static double UnitFor(double largestWeight)
    {
        double unit = 1;
        while (unit < largestWeight && !double.IsInfinity(unit))
        {
            unit *= 2;
        }

        return unit;
    }
}
