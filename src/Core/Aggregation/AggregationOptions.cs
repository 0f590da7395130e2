namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Which aggregation rule a gateway (<c>Gateway:Aggregation</c>) or the cloud (<c>Cloud:Aggregation</c>)
/// applies: weighted FedAvg (streaming, O(model) memory), or a Byzantine-robust rule (Yin et al. 2018)
/// that holds the round's updates (O(updates x model), bounded by <see cref="MaxUpdates"/>), optionally
/// behind norm clipping.
/// </summary>
public sealed class AggregationOptions
{
    /// <summary><c>fedavg</c> (default), <c>median</c> (coordinate-wise) or <c>trimmed-mean</c>.</summary>
    public AggregationRule Strategy { get; set; } = AggregationRule.FedAvg;

    /// <summary>For <c>trimmed-mean</c>: the fraction cut from each end of every coordinate, in [0, 0.5).</summary>
    public double TrimFraction { get; set; } = 0.1;

    /// <summary>When positive, each update's distance from the current model is clipped to this L2 norm first.</summary>
    public double ClipNorm { get; set; }

    /// <summary>For the robust rules: most updates held in one round; further ones are refused.</summary>
    public int MaxUpdates { get; set; } = 64;

    /// <summary>The problems with these options, each naming its key under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (!Enum.IsDefined(Strategy))
        {
            yield return $"{section}:Strategy must be fedavg, median or trimmed-mean (was '{Strategy}')";
        }

        if (TrimFraction is < 0 or >= 0.5 || double.IsNaN(TrimFraction))
        {
            yield return $"{section}:TrimFraction must be in [0, 0.5) (was {TrimFraction})";
        }

        if (ClipNorm < 0 || !double.IsFinite(ClipNorm))
        {
            yield return $"{section}:ClipNorm must be 0 (off) or a positive finite norm (was {ClipNorm})";
        }

        if (MaxUpdates < 1)
        {
            yield return $"{section}:MaxUpdates must be at least 1 (was {MaxUpdates})";
        }
    }

    /// <summary>A fresh strategy for one round, as configured.</summary>
    public IAggregationStrategy CreateStrategy()
    {
        IAggregationStrategy rule = Strategy switch
        {
            AggregationRule.Median => new CoordinateMedianStrategy(MaxUpdates),
            AggregationRule.TrimmedMean => new TrimmedMeanStrategy(TrimFraction, MaxUpdates),
            _ => new FedAvgStrategy(),
        };
        return ClipNorm > 0 ? new NormClippingStrategy(rule, ClipNorm) : rule;
    }
}
