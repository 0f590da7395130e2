namespace EdgeFL.Core.Rounds;

/// <summary>Where a tier puts a contribution: a round and how stale the contribution is for it, or a refusal.</summary>
public readonly record struct RoundSlot
{
    private RoundSlot(AggregationRound? round, long staleness, AdmissionOutcome outcome, string detail, string? tag)
    {
        Round = round;
        Staleness = staleness;
        Outcome = outcome;
        Detail = detail;
        Tag = tag;
    }

    /// <summary>The round to fold into; null for a refusal.</summary>
    public AggregationRound? Round { get; }

    /// <summary>Rounds between the contribution's round and this one (0 = current).</summary>
    public long Staleness { get; }

    /// <summary>Accepted for a slot, else the refusal.</summary>
    public AdmissionOutcome Outcome { get; }

    /// <summary>The refusal's reason.</summary>
    public string Detail { get; }

    /// <summary>The tier's own word for the refusal, if any.</summary>
    public string? Tag { get; }

    /// <summary>Fold into <paramref name="round"/>, discounted for <paramref name="staleness"/>.</summary>
    public static RoundSlot In(AggregationRound round, long staleness = 0) => new(round, staleness, AdmissionOutcome.Accepted, "", null);

    /// <summary>Keep the contribution for the tier's next round (<see cref="RoundBook.Hold"/>), saying why.</summary>
    public static RoundSlot Hold(string detail) => new(null, 0, AdmissionOutcome.Held, detail, null);

    /// <summary>Refuse, saying why.</summary>
    public static RoundSlot Refuse(AdmissionOutcome outcome, string detail, string? tag = null) => new(null, 0, outcome, detail, tag);
}
