namespace EdgeFL.Messaging.Chunking;

/// <summary>Why a started transfer was dropped (reason tag of <c>*.chunk_transfers.failed</c>).</summary>
public enum TransferFailure
{
    /// <summary>No chunk of it arrived for <see cref="ChunkingOptions.TransferTimeout"/>.</summary>
    TimedOut,

    /// <summary>Every chunk arrived, and the whole does not match its SHA-256.</summary>
    HashMismatch,

    /// <summary>Its sender started more transfers than <see cref="ChunkingOptions.MaxTransfersPerSender"/>: the oldest is given up.</summary>
    Superseded,

    /// <summary>Its reassembly file could not be written or read.</summary>
    DiskError,
}
