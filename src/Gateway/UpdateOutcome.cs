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

    /// <summary>Trained for another round than the open one.</summary>
    WrongRound,

    /// <summary>The device already has an update in this round.</summary>
    Duplicate,

    /// <summary>Wrong tensors, non-finite values or a sample count out of bounds.</summary>
    Invalid,
}
