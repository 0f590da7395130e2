namespace EdgeFL.Core.Wire;

/// <summary>Why a payload could not be decoded.</summary>
public enum WireErrorReason
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The payload is larger than <see cref="DecodeLimits.MaxPayloadBytes"/>; nothing was parsed.</summary>
    TooLarge,

    /// <summary>The payload ends in the middle of a value.</summary>
    Truncated,

    /// <summary>Not the expected MessagePack structure: wrong value types, duplicate keys, invalid UTF-8, trailing bytes.</summary>
    Malformed,

    /// <summary>The <c>"v"</c> key names a protocol version this decoder does not speak.</summary>
    UnsupportedVersion,

    /// <summary>The <c>"t"</c> key names another message type than the one asked for.</summary>
    WrongType,

    /// <summary>A required key is absent.</summary>
    MissingField,

    /// <summary>A tensor is inconsistent: unknown dtype, data length not matching its shape, bad quantization, duplicate name.</summary>
    BadTensor,

    /// <summary>A count, length, rank or nesting depth exceeds the <see cref="DecodeLimits"/>.</summary>
    LimitExceeded,

    /// <summary>A chunk's data does not match its own hash (<see cref="ChunkCodec"/>).</summary>
    BadChunk,
}
