namespace EdgeFL.Gateway;

/// <summary>What became of one device update; every value but Accepted is a counted rejection.</summary>
public enum UpdateOutcome
{
    /// <summary>Folded into the open round's aggregate.</summary>
    Accepted,

    /// <summary>Payload over Gateway:Updates:MaxBytes; not decoded.</summary>
    TooLarge,

    /// <summary>Not a valid update message.</summary>
    Malformed,

    /// <summary>The payload's device id is not the one in the topic.</summary>
    DeviceMismatch,

    /// <summary>No round is open.</summary>
    NoOpenRound,

    /// <summary>Trained for a round after the open one (no such model was published).</summary>
    WrongRound,

    /// <summary>Trained on a model more than Gateway:Staleness:MaxRounds rounds old.</summary>
    TooStale,

    /// <summary>The device already has an update for that base round in this round.</summary>
    Duplicate,

    /// <summary>Wrong tensors, non-finite values or a sample count out of bounds.</summary>
    Invalid,

    /// <summary>The update's change from the round's model exceeds Gateway:Updates:MaxUpdateNorm (policy Reject).</summary>
    NormTooLarge,
}
