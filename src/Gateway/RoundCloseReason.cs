namespace EdgeFL.Gateway;

/// <summary>Why a round closed.</summary>
internal enum RoundCloseReason
{
    /// <summary>Enough of the online devices answered.</summary>
    Quorum,

    /// <summary>The deadline passed first.</summary>
    Deadline,

    /// <summary>Every device asked to take part is known to be gone (offline status or last will) without having answered: nobody is left to wait for.</summary>
    ParticipantsGone,

    /// <summary>The service is stopping.</summary>
    Stopping,
}
