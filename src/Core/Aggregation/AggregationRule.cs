using System.ComponentModel;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// The aggregation rule a tier applies (<c>Gateway:Aggregation:Strategy</c>, <c>Cloud:Aggregation:Strategy</c>).
/// Configuration takes the member names in any case, and the words the docs use: <c>fedavg</c>,
/// <c>median</c>, <c>trimmed-mean</c>.
/// </summary>
[TypeConverter(typeof(AggregationRuleConverter))]
public enum AggregationRule
{
    /// <summary>Weighted FedAvg: streaming, O(model) memory (default).</summary>
    FedAvg,

    /// <summary>Coordinate-wise median (Yin et al. 2018): holds the round's updates.</summary>
    Median,

    /// <summary>Coordinate-wise trimmed mean (Yin et al. 2018): holds the round's updates.</summary>
    TrimmedMean,
}
