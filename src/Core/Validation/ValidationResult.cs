namespace EdgeFL.Core.Validation;

/// <summary>Outcome of validating an update: accepted, or a reason with a detail for the log.</summary>
public readonly record struct ValidationResult
{
    private ValidationResult(RejectReason? reason, string detail)
    {
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The accepted outcome.</summary>
    public static ValidationResult Accepted { get; } = new(null, string.Empty);

    /// <summary>True when the update may be aggregated.</summary>
    public bool IsAccepted => Reason is null;

    /// <summary>Why the update was rejected; null when accepted.</summary>
    public RejectReason? Reason { get; }

    /// <summary>What exactly was wrong; empty when accepted.</summary>
    public string Detail { get; }

    /// <summary>A rejection.</summary>
    public static ValidationResult Reject(RejectReason reason, string detail) => new(reason, detail);

    /// <inheritdoc/>
    public override string ToString() => IsAccepted ? "accepted" : $"{Reason}: {Detail}";
}
