namespace EdgeFL.Gateway;

/// <summary>Why a round closed.</summary>
internal enum RoundCloseReason
{
    /// <summary>Enough of the online devices answered.</summary>
    Quorum,

    /// <summary>The deadline passed first.</summary>
    Deadline,

    /// <summary>The service is stopping.</summary>
    Stopping,
}
