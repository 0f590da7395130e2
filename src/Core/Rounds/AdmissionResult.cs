namespace EdgeFL.Core.Rounds;

/// <summary>
/// What one admission decided. <see cref="Contribution"/> is set once the payload decoded; its model
/// borrows the payload and must not be read after the call that returned this.
/// </summary>
/// <param name="Outcome">Accepted, or why not.</param>
/// <param name="Contribution">The decoded contribution (null when the payload did not decode).</param>
/// <param name="Detail">A readable reason (empty when accepted).</param>
/// <param name="Tag">A tier's own word for the refusal, when it gave one (the cloud's acknowledgement reasons).</param>
public readonly record struct AdmissionResult(AdmissionOutcome Outcome, Contribution? Contribution, string Detail, string? Tag = null)
{
    /// <summary>True when the contribution was folded in.</summary>
    public bool IsAccepted => Outcome == AdmissionOutcome.Accepted;
}
