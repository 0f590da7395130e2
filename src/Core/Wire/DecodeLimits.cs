namespace EdgeFL.Core.Wire;

/// <summary>Bounds applied while decoding untrusted payloads; anything beyond them is rejected before it is allocated.</summary>
public sealed record DecodeLimits
{
    /// <summary>The defaults documented in docs/PROTOCOL.md.</summary>
    public static DecodeLimits Default { get; } = new();

    /// <summary>Largest accepted payload, checked before any parsing. Default 256 MiB.</summary>
    public long MaxPayloadBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Most tensors in one model. Default 4096.</summary>
    public int MaxTensors { get; init; } = 4096;

    /// <summary>Most elements in one tensor. Default 2^28 (256 Mi).</summary>
    public long MaxTensorElements { get; init; } = 1L << 28;

    /// <summary>Most elements over all tensors of one model. Default 2^28 (256 Mi).</summary>
    public long MaxTotalElements { get; init; } = 1L << 28;

    /// <summary>Longest tensor name, in UTF-8 bytes. Default 256.</summary>
    public int MaxNameLength { get; init; } = 256;

    /// <summary>Most dimensions of one tensor. Default 8.</summary>
    public int MaxRank { get; init; } = 8;

    /// <summary>Longest other string (ids, reasons, dtype), in UTF-8 bytes. Default 256.</summary>
    public int MaxStringLength { get; init; } = 256;

    /// <summary>Deepest nesting of arrays/maps, counting the message map as 1, also inside skipped unknown values. Default 16.</summary>
    public int MaxDepth { get; init; } = 16;
}
