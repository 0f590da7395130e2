using System.Buffers;
using System.Text;
using MessagePack;

namespace EdgeFL.Core.Wire;

/// <summary>
/// Primitive reads over untrusted MessagePack: each checks the value's type and every declared length
/// against the bytes that remain and the limits before anything is allocated, and reports failures as
/// <see cref="WireFormatException"/>.
/// </summary>
internal static class WireReading
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static WireFormatException Error(WireErrorReason reason, string detail) => new(reason, detail);

    public static long Remaining(ref MessagePackReader r) => r.Sequence.Length - r.Consumed;

    public static int ReadMapHeader(ref MessagePackReader r, string what)
    {
        Expect(ref r, MessagePackType.Map, what, "map");
        int count = r.ReadMapHeader();
        // Each entry needs at least a one-byte key and a one-byte value.
        if (count > Remaining(ref r) / 2)
        {
            throw Error(WireErrorReason.Truncated, $"{what}: map declares {count} entries but only {Remaining(ref r)} bytes remain");
        }

        return count;
    }

    public static int ReadArrayHeader(ref MessagePackReader r, string what)
    {
        Expect(ref r, MessagePackType.Array, what, "array");
        int count = r.ReadArrayHeader();
        if (count > Remaining(ref r))
        {
            throw Error(WireErrorReason.Truncated, $"{what}: array declares {count} items but only {Remaining(ref r)} bytes remain");
        }

        return count;
    }

    /// <summary>Reads a map key and marks it seen; a known key that appears twice is malformed.</summary>
    public static WireKey ReadKey(ref MessagePackReader r, bool tensorMap, ref ulong seen, string where)
    {
        Expect(ref r, MessagePackType.String, where, "string key");
        WireKey key;
        if (r.TryReadStringSpan(out ReadOnlySpan<byte> span))
        {
            key = Parse(span, tensorMap);
        }
        else
        {
            ReadOnlySequence<byte> seq = r.ReadStringSequence() ?? default;
            key = seq.Length > 32 ? WireKey.Unknown : Parse(seq.ToArray(), tensorMap);
        }

        if (key != WireKey.Unknown)
        {
            ulong bit = 1UL << (int)key;
            if ((seen & bit) != 0)
            {
                throw Error(WireErrorReason.Malformed, $"{where}: key '{WireKeys.Text(key)}' appears twice");
            }

            seen |= bit;
        }

        return key;
    }

    public static bool Has(ulong seen, WireKey key) => (seen & (1UL << (int)key)) != 0;

    public static void Require(ulong seen, WireKey key, string where)
    {
        if (!Has(seen, key))
        {
            throw Error(WireErrorReason.MissingField, $"{where}: required key '{WireKeys.Text(key)}' is missing");
        }
    }

    public static string ReadString(ref MessagePackReader r, WireKey key, int maxBytes)
    {
        Expect(ref r, MessagePackType.String, WireKeys.Text(key), "string");
        ReadOnlySequence<byte> seq = r.ReadStringSequence() ?? default;
        if (seq.Length > maxBytes)
        {
            throw Error(WireErrorReason.LimitExceeded, $"'{WireKeys.Text(key)}': string of {seq.Length} bytes exceeds the limit of {maxBytes}");
        }

        try
        {
            return seq.IsSingleSegment ? StrictUtf8.GetString(seq.FirstSpan) : StrictUtf8.GetString(seq.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw Error(WireErrorReason.Malformed, $"'{WireKeys.Text(key)}': invalid UTF-8");
        }
    }

    /// <summary>Reads a token (message type, dtype) as a view of the payload, which the caller made single-segment.</summary>
    public static ReadOnlySpan<byte> ReadToken(ref MessagePackReader r, WireKey key)
    {
        Expect(ref r, MessagePackType.String, WireKeys.Text(key), "string");
        ReadOnlySequence<byte> seq = r.ReadStringSequence() ?? default;
        return seq.IsSingleSegment ? seq.FirstSpan : "<segmented>"u8;
    }

    public static long ReadInt64(ref MessagePackReader r, WireKey key)
    {
        Expect(ref r, MessagePackType.Integer, WireKeys.Text(key), "integer");
        try
        {
            return r.ReadInt64();
        }
        catch (OverflowException)
        {
            throw Error(WireErrorReason.Malformed, $"'{WireKeys.Text(key)}': integer out of the int64 range");
        }
    }

    /// <summary>A round number: an integer within 0..<see cref="Rounds.RoundNumbers.Max"/>.</summary>
    public static long ReadRound(ref MessagePackReader r)
    {
        long round = ReadInt64(ref r, WireKey.Round);
        return Rounds.RoundNumbers.IsValid(round)
            ? round
            : throw Error(WireErrorReason.Malformed, $"'{WireKeys.Text(WireKey.Round)}': round {round} is outside 0..{Rounds.RoundNumbers.Max}");
    }

    public static double ReadDouble(ref MessagePackReader r, WireKey key)
    {
        MessagePackType type = r.NextMessagePackType;
        if (type != MessagePackType.Float && type != MessagePackType.Integer)
        {
            throw Error(WireErrorReason.Malformed, $"'{WireKeys.Text(key)}': expected a number, found {type}");
        }

        return r.ReadDouble();
    }

    public static bool ReadBoolean(ref MessagePackReader r, WireKey key)
    {
        Expect(ref r, MessagePackType.Boolean, WireKeys.Text(key), "boolean");
        return r.ReadBoolean();
    }

    /// <summary>Unix milliseconds within the range <see cref="DateTimeOffset"/> represents.</summary>
    public static DateTimeOffset ReadTimestamp(ref MessagePackReader r, WireKey key)
    {
        long ms = ReadInt64(ref r, key);
        if (ms < MinUnixMs || ms > MaxUnixMs)
        {
            throw Error(WireErrorReason.Malformed, $"'{WireKeys.Text(key)}': {ms} ms is outside years 1..9999");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    /// <summary>A bin value as memory: a slice of the payload (which the caller made single-segment), not a copy.</summary>
    public static ReadOnlyMemory<byte> ReadBin(ref MessagePackReader r, string where)
    {
        MessagePackType type = r.NextMessagePackType;
        if (type != MessagePackType.Binary)
        {
            throw Error(WireErrorReason.BadTensor, $"{where}: 'data' must be MessagePack bin, found {type}");
        }

        ReadOnlySequence<byte> seq = r.ReadBytes() ?? default;
        return seq.IsSingleSegment ? seq.First : seq.ToArray();
    }

    /// <summary>Skips a value of an unknown key, bounding nesting so hostile input cannot exhaust the stack.</summary>
    public static void SkipValue(ref MessagePackReader r, int depth, DecodeLimits limits)
    {
        switch (r.NextMessagePackType)
        {
            case MessagePackType.Array:
            {
                CheckDepth(depth, limits);
                int n = ReadArrayHeader(ref r, "unknown value");
                for (int i = 0; i < n; i++)
                {
                    SkipValue(ref r, depth + 1, limits);
                }

                break;
            }

            case MessagePackType.Map:
            {
                CheckDepth(depth, limits);
                int n = ReadMapHeader(ref r, "unknown value");
                for (int i = 0; i < 2 * n; i++)
                {
                    SkipValue(ref r, depth + 1, limits);
                }

                break;
            }

            default:
                r.Skip();
                break;
        }
    }

    private static void CheckDepth(int depth, DecodeLimits limits)
    {
        if (depth > limits.MaxDepth)
        {
            throw Error(WireErrorReason.LimitExceeded, $"values nest deeper than {limits.MaxDepth} levels");
        }
    }

    private static void Expect(ref MessagePackReader r, MessagePackType expected, string what, string expectedText)
    {
        MessagePackType type = r.NextMessagePackType;
        if (type != expected)
        {
            throw Error(WireErrorReason.Malformed, $"{what}: expected {expectedText}, found {type}");
        }
    }

    private static WireKey Parse(ReadOnlySpan<byte> span, bool tensorMap) =>
        tensorMap ? WireKeys.ParseTensorKey(span) : WireKeys.ParseMessageKey(span);
}
