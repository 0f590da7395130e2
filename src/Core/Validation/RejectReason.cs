namespace EdgeFL.Core.Validation;

/// <summary>Why an update was refused; each value is counted separately by the gateway.</summary>
public enum RejectReason
{
    /// <summary>The update was trained from another round than the one being aggregated.</summary>
    WrongRound = 1,

    /// <summary>Tensor names, shapes or dtypes differ from the current model's.</summary>
    LayoutMismatch,

    /// <summary>A tensor holds NaN or an infinity, or a q8 tensor has an unusable scale or zero point.</summary>
    NonFinite,

    /// <summary>The sample count is outside <see cref="ValidationLimits.MinSampleCount"/>..<see cref="ValidationLimits.MaxSampleCount"/>.</summary>
    SampleCountOutOfRange,

    /// <summary>A scalar field is unusable: empty or over-long device id, NaN loss, negative duration or energy.</summary>
    BadField,

    /// <summary>The update's change from the current model is longer than the configured L2 norm bound (policy Reject).</summary>
    NormTooLarge,
}
