namespace EdgeFL.Tests.Shared;

/// <summary>What a MessagePack value's first byte says it is, as far as the fuzzer cares.</summary>
public enum TokenKind
{
    Map,
    Array,
    Str,
    Bin,
    Int,
    Float32,
    Float64,
    Other,
}

/// <summary>One value in a MessagePack buffer: its first byte, header length and payload (or element count).</summary>
public readonly record struct MessagePackToken(int Offset, TokenKind Kind, int HeaderLength, long Length);

/// <summary>
/// A lenient walk over a MessagePack buffer's values, for structure-aware mutations. It never throws: on
/// a byte it cannot follow (or a length running past the end) it stops with what it found so far.
/// </summary>
public static class MessagePackTokens
{
    /// <summary>
    /// Picks one of the buffer's values uniformly at random: one walk to count them, one to reach the
    /// chosen one; nothing is allocated, so a large file costs two cheap passes. False when not even the
    /// first byte is a value.
    /// </summary>
    public static bool TryPick(ReadOnlySpan<byte> data, Random rng, out MessagePackToken picked)
    {
        // A large buffer (a database file) is not one MessagePack value: walk a window of it from a
        // random place instead of all of it, so each mutation stays cheap.
        int start = data.Length > LargeBuffer ? rng.Next(data.Length) : 0;
        ReadOnlySpan<byte> window = data[start..];
        int count = Walk(window, data.Length > LargeBuffer ? WindowTokens : int.MaxValue, out _);
        if (count == 0)
        {
            picked = default;
            return false;
        }

        Walk(window, rng.Next(count), out picked);
        picked = picked with { Offset = picked.Offset + start };
        return true;
    }

    private const int LargeBuffer = 16 * 1024;
    private const int WindowTokens = 256;

    /// <summary>Walks values until the one numbered <paramref name="stopAt"/> (returned in <paramref name="token"/>); returns how many were walked.</summary>
    private static int Walk(ReadOnlySpan<byte> data, int stopAt, out MessagePackToken token)
    {
        token = default;
        int seen = 0;
        int at = 0;
        while (at < data.Length && seen < 1_000_000 && TryRead(data, at, out token))
        {
            if (seen++ == stopAt)
            {
                break;
            }

            // Containers are entered (their elements follow the header); scalars are stepped over.
            long skip = token.Kind is TokenKind.Map or TokenKind.Array ? 0 : token.Length;
            long next = at + token.HeaderLength + skip;
            if (next > data.Length)
            {
                break;
            }

            at = (int)next;
        }

        return seen;
    }

    private static bool TryRead(ReadOnlySpan<byte> d, int at, out MessagePackToken token)
    {
        byte b = d[at];
        token = b switch
        {
            <= 0x7f => new(at, TokenKind.Int, 1, 0),
            <= 0x8f => new(at, TokenKind.Map, 1, b & 0x0f),
            <= 0x9f => new(at, TokenKind.Array, 1, b & 0x0f),
            <= 0xbf => new(at, TokenKind.Str, 1, b & 0x1f),
            0xc4 => Sized(d, at, TokenKind.Bin, 1),
            0xc5 => Sized(d, at, TokenKind.Bin, 2),
            0xc6 => Sized(d, at, TokenKind.Bin, 4),
            0xca => new(at, TokenKind.Float32, 1, 4),
            0xcb => new(at, TokenKind.Float64, 1, 8),
            0xcc or 0xd0 => new(at, TokenKind.Int, 1, 1),
            0xcd or 0xd1 => new(at, TokenKind.Int, 1, 2),
            0xce or 0xd2 => new(at, TokenKind.Int, 1, 4),
            0xcf or 0xd3 => new(at, TokenKind.Int, 1, 8),
            0xd9 => Sized(d, at, TokenKind.Str, 1),
            0xda => Sized(d, at, TokenKind.Str, 2),
            0xdb => Sized(d, at, TokenKind.Str, 4),
            0xdc => Sized(d, at, TokenKind.Array, 2),
            0xdd => Sized(d, at, TokenKind.Array, 4),
            0xde => Sized(d, at, TokenKind.Map, 2),
            0xdf => Sized(d, at, TokenKind.Map, 4),
            >= 0xe0 => new(at, TokenKind.Int, 1, 0),
            _ => new(at, TokenKind.Other, 1, 0), // nil, bools, ext, the unused 0xc1
        };
        return token.HeaderLength > 0 && at + token.HeaderLength <= d.Length;
    }

    /// <summary>A value whose length (or count) follows its type byte in <paramref name="width"/> big-endian bytes.</summary>
    private static MessagePackToken Sized(ReadOnlySpan<byte> d, int at, TokenKind kind, int width)
    {
        if (at + 1 + width > d.Length)
        {
            return new(at, kind, 0, 0);
        }

        long length = 0;
        for (int i = 0; i < width; i++)
        {
            length = (length << 8) | d[at + 1 + i];
        }

        return new(at, kind, 1 + width, length);
    }
}
