namespace EdgeFL.Messaging.Chunking;

/// <summary>Why a chunk was not taken (counted per chunk, reason tag of <c>*.chunks.rejected</c>).</summary>
public enum ChunkRejection
{
    /// <summary>Not a readable chunk message, or its fields disagree with each other.</summary>
    Malformed,

    /// <summary>The chunk's data does not match its own hash.</summary>
    CorruptChunk,

    /// <summary>The whole it belongs to is larger than the receiver's limit for that kind of message.</summary>
    TooLarge,

    /// <summary>Its length, count, chunk size or whole's hash differ from the first chunk of its transfer.</summary>
    Inconsistent,

    /// <summary>It would start a transfer beyond the receiver's limits (transfers or pending bytes); its sender sends again later.</summary>
    Busy,

    /// <summary>The reassembly file could not be written.</summary>
    DiskError,
}
