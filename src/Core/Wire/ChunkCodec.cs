using System.Buffers;
using System.Security.Cryptography;
using MessagePack;

namespace EdgeFL.Core.Wire;

/// <summary>
/// Encodes, recognises and decodes <c>"chunk"</c> messages (docs/PROTOCOL.md 6.4): the pieces a message larger
/// than a broker's maximum payload travels in, on the same topic as the message itself.
/// </summary>
/// <remarks>Decoding never throws on bad input; every field is checked for consistency with the others.</remarks>
public static class ChunkCodec
{
    /// <summary>The most bytes a chunk message adds to its data (keys, ids, two hashes), rounded up.</summary>
    public const int EnvelopeBytes = 256;

    /// <summary>The smallest chunk data size a sender may use.</summary>
    public const int MinChunkSize = 1024;

    /// <summary>The most chunks one transfer may have.</summary>
    public const int MaxChunks = 1 << 20;

    /// <summary>The longest transfer id.</summary>
    public const int MaxTransferIdLength = 64;

    private static ReadOnlySpan<byte> KeyV => "v"u8;
    private static ReadOnlySpan<byte> KeyT => "t"u8;
    private static ReadOnlySpan<byte> KeyXfer => "xfer"u8;
    private static ReadOnlySpan<byte> KeyIndex => "i"u8;
    private static ReadOnlySpan<byte> KeyCount => "n"u8;
    private static ReadOnlySpan<byte> KeyLen => "len"u8;
    private static ReadOnlySpan<byte> KeyChunkSize => "cs"u8;
    private static ReadOnlySpan<byte> KeySha256 => "sha256"u8;
    private static ReadOnlySpan<byte> KeyChunkSha256 => "chunk_sha256"u8;
    private static ReadOnlySpan<byte> KeyData => "data"u8;

    /// <summary>The chunk data size for messages of at most <paramref name="maxPayloadBytes"/> bytes.</summary>
    public static int ChunkSizeFor(long maxPayloadBytes) =>
        (int)Math.Clamp(maxPayloadBytes - EnvelopeBytes, MinChunkSize, Array.MaxLength);

    /// <summary>A new random transfer id (32 hex digits).</summary>
    public static string NewTransferId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// Splits <paramref name="whole"/> into encoded chunk messages of at most <paramref name="maxPayloadBytes"/> bytes,
    /// made one at a time as the caller enumerates (only the current one is in memory besides <paramref name="whole"/>).
    /// </summary>
    public static IEnumerable<byte[]> Split(ReadOnlyMemory<byte> whole, long maxPayloadBytes, string? transferId = null)
    {
        int chunkSize = ChunkSizeFor(maxPayloadBytes);
        int count = checked((int)((whole.Length + (long)chunkSize - 1) / chunkSize));
        if (count > MaxChunks)
        {
            throw new ArgumentException($"{whole.Length} bytes in chunks of {chunkSize} would be {count} chunks, over {MaxChunks}", nameof(whole));
        }

        string id = transferId ?? NewTransferId();
        byte[] sha = SHA256.HashData(whole.Span);
        for (int i = 0; i < count; i++)
        {
            int offset = i * chunkSize;
            var data = whole.Slice(offset, Math.Min(chunkSize, whole.Length - offset));
            yield return Encode(new ChunkMessage(id, i, count, whole.Length, chunkSize, sha, SHA256.HashData(data.Span), data));
        }
    }

    /// <summary>Encodes one chunk message.</summary>
    public static byte[] Encode(ChunkMessage chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var buffer = new ArrayBufferWriter<byte>(chunk.Data.Length + EnvelopeBytes);
        var w = new MessagePackWriter(buffer);
        w.WriteMapHeader(10);
        w.WriteString(KeyV);
        w.Write(1);
        w.WriteString(KeyT);
        w.WriteString("chunk"u8);
        w.WriteString(KeyXfer);
        w.Write(chunk.TransferId);
        w.WriteString(KeyIndex);
        w.Write(chunk.Index);
        w.WriteString(KeyCount);
        w.Write(chunk.Count);
        w.WriteString(KeyLen);
        w.Write(chunk.TotalLength);
        w.WriteString(KeyChunkSize);
        w.Write(chunk.ChunkSize);
        w.WriteString(KeySha256);
        w.Write(chunk.Sha256.Span);
        w.WriteString(KeyChunkSha256);
        w.Write(chunk.ChunkSha256.Span);
        w.WriteString(KeyData);
        w.Write(chunk.Data.Span);
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// True when <paramref name="payload"/> is a MessagePack map whose <c>"t"</c> is <c>"chunk"</c>: a cheap look
    /// (keys up to <c>"t"</c> only; large values are skipped by their length, never read).
    /// </summary>
    public static bool IsChunk(ReadOnlySequence<byte> payload)
    {
        try
        {
            var r = new MessagePackReader(payload);
            if (r.NextMessagePackType != MessagePackType.Map)
            {
                return false;
            }

            int n = r.ReadMapHeader();
            for (int i = 0; i < n && i < 16; i++)
            {
                if (r.NextMessagePackType != MessagePackType.String)
                {
                    return false;
                }

                var key = r.ReadStringSequence() ?? default;
                if (key.Length == 1 && key.FirstSpan[0] == (byte)'t')
                {
                    if (r.NextMessagePackType != MessagePackType.String)
                    {
                        return false;
                    }

                    var value = r.ReadStringSequence() ?? default;
                    return value.Length == 5 && (value.IsSingleSegment ? value.FirstSpan : value.ToArray()).SequenceEqual("chunk"u8);
                }

                r.Skip();
            }
        }
#pragma warning disable CA1031 // Hostile bytes: anything the reader raises means "not a chunk".
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
        }

        return false;
    }

    /// <summary>
    /// Decodes a chunk message and checks it on its own: every field present and in range, the index within the
    /// count, the count and data length what the total length and chunk size give, and the data matching its hash.
    /// A multi-segment payload is copied once; otherwise the result borrows <paramref name="payload"/>.
    /// </summary>
    public static bool TryDecode(ReadOnlySequence<byte> payload, out ChunkMessage? chunk, out WireError error)
    {
        chunk = null;
        if (!payload.IsSingleSegment)
        {
            payload = new ReadOnlySequence<byte>(payload.ToArray());
        }

        try
        {
            chunk = Read(payload);
            error = Check(chunk);
            if (error.IsError)
            {
                chunk = null;
                return false;
            }

            return true;
        }
        catch (WireFormatException e)
        {
            error = e.Error;
        }
        catch (EndOfStreamException)
        {
            error = new WireError(WireErrorReason.Truncated, "the chunk ends in the middle of a value");
        }
#pragma warning disable CA1031 // The contract is that hostile bytes never throw.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            error = new WireError(WireErrorReason.Malformed, $"{e.GetType().Name}: {e.Message}");
        }

        return false;
    }

    private static ChunkMessage Read(ReadOnlySequence<byte> payload)
    {
        var r = new MessagePackReader(payload);
        if (r.NextMessagePackType != MessagePackType.Map)
        {
            throw Malformed("a chunk must be a MessagePack map");
        }

        int n = r.ReadMapHeader();
        string? id = null;
        long index = -1, count = -1, len = -1, chunkSize = -1, version = -1;
        bool typed = false;
        ReadOnlyMemory<byte>? sha = null, chunkSha = null, data = null;
        for (int i = 0; i < n; i++)
        {
            if (r.NextMessagePackType != MessagePackType.String)
            {
                throw Malformed("chunk keys must be strings");
            }

            var keySeq = r.ReadStringSequence() ?? default;
            ReadOnlySpan<byte> key = keySeq.IsSingleSegment ? keySeq.FirstSpan : keySeq.ToArray();
            if (key.SequenceEqual(KeyV))
            {
                version = ReadCount(ref r, "v");
            }
            else if (key.SequenceEqual(KeyT))
            {
                var t = r.ReadStringSequence() ?? default;
                if (!(t.IsSingleSegment ? t.FirstSpan : t.ToArray()).SequenceEqual("chunk"u8))
                {
                    throw new WireFormatException(WireErrorReason.WrongType, "'t' is not \"chunk\"");
                }

                typed = true;
            }
            else if (key.SequenceEqual(KeyXfer))
            {
                id = r.ReadString();
            }
            else if (key.SequenceEqual(KeyIndex))
            {
                index = ReadCount(ref r, "i");
            }
            else if (key.SequenceEqual(KeyCount))
            {
                count = ReadCount(ref r, "n");
            }
            else if (key.SequenceEqual(KeyLen))
            {
                len = ReadCount(ref r, "len");
            }
            else if (key.SequenceEqual(KeyChunkSize))
            {
                chunkSize = ReadCount(ref r, "cs");
            }
            else if (key.SequenceEqual(KeySha256))
            {
                sha = ReadBin(ref r, "sha256");
            }
            else if (key.SequenceEqual(KeyChunkSha256))
            {
                chunkSha = ReadBin(ref r, "chunk_sha256");
            }
            else if (key.SequenceEqual(KeyData))
            {
                data = ReadBin(ref r, "data");
            }
            else
            {
                r.Skip(); // unknown keys are skipped (forward compatibility), as in every message
            }
        }

        if (!r.End)
        {
            throw Malformed("bytes after the chunk's map");
        }

        if (version != 1)
        {
            throw new WireFormatException(version < 0 ? WireErrorReason.MissingField : WireErrorReason.UnsupportedVersion, version < 0 ? "'v' is missing" : $"version {version}");
        }

        if (!typed || id is null || index < 0 || count < 0 || len < 0 || chunkSize < 0 || sha is null || chunkSha is null || data is null)
        {
            throw new WireFormatException(WireErrorReason.MissingField, "a chunk needs t, xfer, i, n, len, cs, sha256, chunk_sha256 and data");
        }

        if (index > int.MaxValue || count > int.MaxValue || chunkSize > int.MaxValue)
        {
            throw new WireFormatException(WireErrorReason.LimitExceeded, "i, n or cs beyond 2^31 - 1");
        }

        return new ChunkMessage(id, (int)index, (int)count, len, (int)chunkSize, sha.Value, chunkSha.Value, data.Value);
    }

    private static WireError Check(ChunkMessage c)
    {
        if (c.TransferId.Length is 0 or > MaxTransferIdLength || !c.TransferId.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-'))
        {
            return new WireError(WireErrorReason.Malformed, "'xfer' must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'");
        }

        if (c.Sha256.Length != 32 || c.ChunkSha256.Length != 32)
        {
            return new WireError(WireErrorReason.Malformed, "'sha256' and 'chunk_sha256' must be 32 bytes");
        }

        if (c.ChunkSize < MinChunkSize || c.Count is < 1 or > MaxChunks || c.TotalLength < 1)
        {
            return new WireError(WireErrorReason.LimitExceeded, $"cs {c.ChunkSize} (at least {MinChunkSize}), n {c.Count} (1-{MaxChunks}), len {c.TotalLength} (at least 1)");
        }

        if ((c.TotalLength + c.ChunkSize - 1) / c.ChunkSize != c.Count)
        {
            return new WireError(WireErrorReason.Malformed, $"n {c.Count} is not ceil(len {c.TotalLength} / cs {c.ChunkSize})");
        }

        if (c.Index >= c.Count)
        {
            return new WireError(WireErrorReason.Malformed, $"i {c.Index} is not below n {c.Count}");
        }

        long expected = Math.Min(c.ChunkSize, c.TotalLength - c.Offset);
        if (c.Data.Length != expected)
        {
            return new WireError(WireErrorReason.Malformed, $"chunk {c.Index} holds {c.Data.Length} bytes; cs and len say {expected}");
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(c.Data.Span, hash);
        if (!hash.SequenceEqual(c.ChunkSha256.Span))
        {
            return new WireError(WireErrorReason.BadChunk, $"chunk {c.Index}'s data does not match its chunk_sha256");
        }

        return WireError.None;
    }

    private static long ReadCount(ref MessagePackReader r, string key)
    {
        if (r.NextMessagePackType != MessagePackType.Integer)
        {
            throw Malformed($"'{key}' must be an integer");
        }

        long value = r.ReadInt64();
        return value < 0 ? throw Malformed($"'{key}' must not be negative") : value;
    }

    private static ReadOnlyMemory<byte> ReadBin(ref MessagePackReader r, string key)
    {
        if (r.NextMessagePackType != MessagePackType.Binary)
        {
            throw Malformed($"'{key}' must be MessagePack bin");
        }

        var seq = r.ReadBytes() ?? default;
        return seq.IsSingleSegment ? seq.First : seq.ToArray();
    }

    private static WireFormatException Malformed(string detail) => new(WireErrorReason.Malformed, detail);
}
