namespace EdgeFL.Core.Rounds;

/// <summary>What became of one contribution (a device's update at a gateway, a gateway's upload at the cloud); all but Accepted and Held are counted rejections.</summary>
public enum AdmissionOutcome
{
    /// <summary>Folded into its round's aggregate.</summary>
    Accepted,

    /// <summary>Payload over the tier's size limit; not decoded.</summary>
    TooLarge,

    /// <summary>Not a valid message of the expected type.</summary>
    Malformed,

    /// <summary>The sender id in the payload is not the one in the topic.</summary>
    SenderMismatch,

    /// <summary>No model yet to check the contribution against (cloud).</summary>
    NoModel,

    /// <summary>No round is open (gateway).</summary>
    NoOpenRound,

    /// <summary>For a round after the open one: no such model was published (gateway).</summary>
    WrongRound,

    /// <summary>Trained on a model older than the staleness bound allows (gateway), or for a round at or before the last global model (cloud).</summary>
    TooStale,

    /// <summary>Admitted already: the same contribution, or a second one from the sender for the same round.</summary>
    Duplicate,

    /// <summary>Too many rounds pending at once (cloud).</summary>
    TooManyRounds,

    /// <summary>Wrong tensors, non-finite values, unusable fields or a sample count out of bounds.</summary>
    Invalid,

    /// <summary>The change from the round's reference model exceeds the norm bound (policy Reject).</summary>
    NormTooLarge,

    /// <summary>Not a refusal: arrived between rounds, kept and folded into the next round when it opens, discounted as stale (gateway).</summary>
    Held,
    /// <summary>Acceptable, but it could not be journaled (the state's disk is full or failing): the sender keeps it and sends it again.</summary>
    Unavailable,
}
