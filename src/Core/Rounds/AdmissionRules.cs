using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Validation;

namespace EdgeFL.Core.Rounds;

/// <summary>The limits a tier admits contributions under (from its options, checked at start).</summary>
public sealed record AdmissionRules
{
    /// <summary>Largest payload decoded; larger ones are refused as TooLarge unread.</summary>
    public required long MaxBytes { get; init; }

    /// <summary>Fewest samples a contribution may claim.</summary>
    public long MinSamples { get; init; } = 1;

    /// <summary>Most samples a contribution may claim; also sets the weight unit (<see cref="AggregationWeights.UnitFor"/>).</summary>
    public required long MaxSamples { get; init; }

    /// <summary>The fixed bound on a contribution's change from the round's reference (off when MaxNorm is 0).</summary>
    public UpdateNormBound NormBound { get; init; } = new(0, NormPolicy.Clip);

    /// <summary>The weight factor for a contribution trained <c>s</c> rounds before the one it is folded into.</summary>
    public Func<long, double> StalenessDiscount { get; init; } = _ => 1.0;

    /// <summary>How the round's aggregate is made.</summary>
    public required AggregationOptions Aggregation { get; init; }
}
