namespace EdgeFL.Core.Wire;

/// <summary>
/// One piece of a message too large for the broker (docs/PROTOCOL.md 6.4): chunk <see cref="Index"/> of
/// <see cref="Count"/> of the transfer <see cref="TransferId"/>, carrying bytes
/// [<see cref="Index"/> x <see cref="ChunkSize"/>, ...) of a whole of <see cref="TotalLength"/> bytes whose
/// SHA-256 is <see cref="Sha256"/>. Decoded, <see cref="Data"/> and the hashes borrow the received payload.
/// </summary>
/// <param name="TransferId">The sender's id of the transfer: 1-64 characters of <c>[A-Za-z0-9_-]</c>.</param>
/// <param name="Index">This chunk's position, 0 to <see cref="Count"/> - 1.</param>
/// <param name="Count">Chunks in the transfer: ceil(<see cref="TotalLength"/> / <see cref="ChunkSize"/>).</param>
/// <param name="TotalLength">Bytes of the whole message.</param>
/// <param name="ChunkSize">Bytes of every chunk but the last (the last holds the rest).</param>
/// <param name="Sha256">SHA-256 of the whole message (32 bytes).</param>
/// <param name="ChunkSha256">SHA-256 of this chunk's <see cref="Data"/> (32 bytes).</param>
/// <param name="Data">This chunk's bytes of the whole.</param>
public sealed record ChunkMessage(
    string TransferId,
    int Index,
    int Count,
    long TotalLength,
    int ChunkSize,
    ReadOnlyMemory<byte> Sha256,
    ReadOnlyMemory<byte> ChunkSha256,
    ReadOnlyMemory<byte> Data)
{
    /// <summary>Where this chunk's bytes start in the whole.</summary>
    public long Offset => (long)Index * ChunkSize;
}
