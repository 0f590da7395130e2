namespace EdgeFL.Core.Validation;

/// <summary>What happens to an update whose change from the current model exceeds the norm bound.</summary>
public enum NormPolicy
{
    /// <summary>The change is scaled down to the bound, then the update counts (default).</summary>
    Clip,

    /// <summary>The update is refused (<see cref="RejectReason.NormTooLarge"/>).</summary>
    Reject,
}
