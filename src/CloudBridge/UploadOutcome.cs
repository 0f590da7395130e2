namespace EdgeFL.CloudBridge;

/// <summary>What became of one gateway upload at the cloud; all but Accepted are counted rejections.</summary>
public enum UploadOutcome
{
    /// <summary>Folded into its sync round's aggregate.</summary>
    Accepted,

    /// <summary>Over Cloud:MaxUploadBytes; not decoded.</summary>
    TooLarge,

    /// <summary>Not a valid upload message.</summary>
    Malformed,

    /// <summary>The payload's gateway id is not the one in the topic.</summary>
    GatewayMismatch,

    /// <summary>This upload id (or this gateway in this round) was applied already.</summary>
    Duplicate,

    /// <summary>For a round at or before the last published global model.</summary>
    Stale,

    /// <summary>Too many rounds pending at once.</summary>
    TooManyRounds,

    /// <summary>Tensors that do not match the global model, non-finite values, or a bad sample count.</summary>
    Invalid,

    /// <summary>No global model yet to check the upload against.</summary>
    NoModel,

    /// <summary>The upload's change from the global model exceeds Cloud:MaxUploadNorm (policy Reject).</summary>
    NormTooLarge,
}
