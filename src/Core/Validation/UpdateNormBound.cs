using EdgeFL.Core.Models;

namespace EdgeFL.Core.Validation;

/// <summary>
/// A bound on the L2 norm of an update's change from the current model (over its float tensors), applied
/// to device updates at the gateway (<c>Gateway:Updates:MaxUpdateNorm</c>) and to gateway uploads in the
/// cloud (<c>Cloud:MaxUploadNorm</c>). Off when <see cref="MaxNorm"/> is 0.
/// </summary>
/// <param name="MaxNorm">The bound; 0 turns the check off.</param>
/// <param name="Policy">Clip the change to the bound, or reject the update.</param>
public sealed record UpdateNormBound(double MaxNorm, NormPolicy Policy)
{
    /// <summary>True when updates are checked.</summary>
    public bool IsEnabled => MaxNorm > 0;

    /// <summary>
    /// Checks an update that already passed validation (same layout as <paramref name="reference"/>, finite
    /// values). Accepted with <paramref name="deltaScale"/> 1 when within the bound or when the check is off;
    /// over it, accepted with <c>deltaScale = MaxNorm / norm</c> (clip) or rejected (reject). Streams the
    /// norm in stack-sized chunks; allocates nothing model-sized.
    /// </summary>
    public ValidationResult Check(ModelState update, ModelState reference, out double norm, out double deltaScale)
    {
        deltaScale = 1;
        norm = 0;
        if (!IsEnabled)
        {
            return ValidationResult.Accepted;
        }

        norm = ModelDistance.L2(update, reference);
        if (!double.IsFinite(norm))
        {
            return ValidationResult.Reject(RejectReason.NonFinite, "the update's change from the model has no finite norm");
        }

        if (norm <= MaxNorm)
        {
            return ValidationResult.Accepted;
        }

        if (Policy == NormPolicy.Reject)
        {
            return ValidationResult.Reject(RejectReason.NormTooLarge, $"change from the model has L2 norm {norm:G6} > {MaxNorm:G6}");
        }

        deltaScale = MaxNorm / norm;
        return ValidationResult.Accepted;
    }

    /// <summary>The problems with a configured bound, each naming its key.</summary>
    public static IEnumerable<string> Problems(double maxNorm, NormPolicy policy, string maxNormKey, string policyKey)
    {
        if (!double.IsFinite(maxNorm) || maxNorm < 0)
        {
            yield return $"{maxNormKey} must be 0 (off) or a positive finite L2 norm (was {maxNorm})";
        }

        if (!Enum.IsDefined(policy))
        {
            yield return $"{policyKey} must be Clip or Reject (was {policy})";
        }
    }
}
