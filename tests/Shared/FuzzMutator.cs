using System.Buffers.Binary;

namespace EdgeFL.Tests.Shared;

/// <summary>
/// Seeded input generator for the fuzz tests: mutates valid seed payloads (bit flips, byte inserts and
/// deletes, truncation, splicing, and MessagePack-aware changes: a map/array count or str/bin length
/// rewritten, huge lengths, a type byte swapped, NaN/infinity/extreme numbers, tensor bytes overwritten
/// with non-finite floats, invalid UTF-8), or produces fully random buffers. The same seed gives the
/// same inputs.
/// </summary>
public sealed class FuzzMutator(int seed)
{
    private static readonly byte[] TypeBytes = [0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc6, 0xc7, 0xca, 0xcb, 0xcf, 0xd3, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0x00, 0x7f, 0xe0, 0xff];
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xc0, 0xc1, 0xc2, 0xc3, 0xdd, 0xdf, 0xc6];
    private static readonly long[] InterestingLengths = [0, 1, 2, 15, 16, 31, 255, 256, 65535, 65536, int.MaxValue, uint.MaxValue];
    private static readonly float[] SpecialFloats = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.MaxValue, float.MinValue, float.Epsilon, 1e30f, -1e30f, 3e38f];
    private static readonly double[] SpecialDoubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0d, double.MaxValue, double.MinValue, double.Epsilon, 1e300, -1, 1e19];

    private readonly Random _rng = new(seed);

    /// <summary>The random source, for oracles that pick among seeds the same reproducible way.</summary>
    public Random Random => _rng;

    /// <summary>
    /// One input: about 1 in 20 fully random, 1 in 10 a seed from <paramref name="corpus"/> as it is (so
    /// that valid inputs keep the code's accepting paths busy), the rest 1 to 4 stacked mutations of a
    /// seed (mostly one). <paramref name="how"/> says what was done, for a failure report.
    /// </summary>
    public byte[] Next(IReadOnlyList<byte[]> corpus, out string how) => Next(corpus, out how, out _);

    /// <summary>As <see cref="Next(IReadOnlyList{byte[]}, out string)"/>; <paramref name="seedIndex"/> is the seed used (-1 for a random buffer).</summary>
    public byte[] Next(IReadOnlyList<byte[]> corpus, out string how, out int seedIndex)
    {
        seedIndex = -1;
        int dice = _rng.Next(20);
        if (dice == 0)
        {
            var random = new byte[_rng.Next(0, 300)];
            _rng.NextBytes(random);
            how = $"random {random.Length} bytes";
            return random;
        }

        int index = _rng.Next(corpus.Count);
        seedIndex = index;
        if (dice <= 2)
        {
            how = $"seed {index} as it is";
            return (byte[])corpus[index].Clone();
        }

        var data = new List<byte>(corpus[index]);
        var steps = new List<string>();
        int count = _rng.Next(8) switch { < 5 => 1, < 7 => 2, _ => 3 + _rng.Next(2) };
        for (int i = 0; i < count; i++)
        {
            steps.Add(MutateOnce(data, corpus));
        }

        how = $"seed {index}: {string.Join(", ", steps)}";
        return data.ToArray();
    }

    private string MutateOnce(List<byte> d, IReadOnlyList<byte[]> corpus)
    {
        switch (_rng.Next(16))
        {
            case 0 when d.Count > 0:
            {
                int bits = 1 + _rng.Next(8);
                for (int i = 0; i < bits; i++)
                {
                    int at = _rng.Next(d.Count);
                    d[at] ^= (byte)(1 << _rng.Next(8));
                }

                return $"flip {bits} bits";
            }

            case 1 when d.Count > 0:
            {
                int at = _rng.Next(d.Count);
                d[at] = Pick(InterestingBytes);
                return $"byte@{at}={d[at]:x2}";
            }

            case 2:
            {
                int at = _rng.Next(d.Count + 1);
                var bytes = new byte[1 + _rng.Next(16)];
                _rng.NextBytes(bytes);
                d.InsertRange(at, bytes);
                return $"insert {bytes.Length}@{at}";
            }

            case 3 when d.Count > 0:
            {
                int at = _rng.Next(d.Count);
                int n = Math.Min(d.Count - at, 1 + _rng.Next(32));
                d.RemoveRange(at, n);
                return $"delete {n}@{at}";
            }

            case 4 when d.Count > 0:
            {
                int keep = _rng.Next(d.Count);
                d.RemoveRange(keep, d.Count - keep);
                return $"truncate to {keep}";
            }

            case 5:
            {
                byte[] other = corpus[_rng.Next(corpus.Count)];
                int cut = _rng.Next(d.Count + 1);
                int from = _rng.Next(other.Length + 1);
                d.RemoveRange(cut, d.Count - cut);
                d.AddRange(other.AsSpan(from).ToArray());
                return $"splice @{cut} + other@{from}";
            }

            case 6 when d.Count > 0:
            {
                int at = _rng.Next(d.Count);
                int n = Math.Min(d.Count - at, 1 + _rng.Next(64));
                d.InsertRange(at, d.GetRange(at, n));
                return $"repeat {n}@{at}";
            }

            case 7:
            {
                // A length or count that promises far more than follows.
                byte[] huge = Pick<byte[]>([[0xc6, 0xff, 0xff, 0xff, 0xff], [0xdd, 0x7f, 0xff, 0xff, 0xff], [0xdf, 0xff, 0xff, 0xff, 0xff], [0xdb, 0x80, 0x00, 0x00, 0x00]]);
                int at = _rng.Next(d.Count + 1);
                d.InsertRange(at, huge);
                return $"huge header {huge[0]:x2}@{at}";
            }

            default:
                return MutateToken(d);
        }
    }

    /// <summary>A MessagePack-aware change to one value of the buffer.</summary>
    private string MutateToken(List<byte> d)
    {
        if (!MessagePackTokens.TryPick(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(d), _rng, out MessagePackToken t))
        {
            d.Add(Pick(TypeBytes));
            return "append type byte";
        }

        switch (t.Kind, _rng.Next(3))
        {
            case (TokenKind.Int, 1) when d[t.Offset] <= 0x7f:
                d[t.Offset] = (byte)_rng.Next(0x80); // another small positive integer: a round, a count, a dimension
                return $"small int@{t.Offset}={d[t.Offset]}";
            case (TokenKind.Bin, 1) when t.Length >= 4:
            {
                // Tensor data: one float32 slot scaled, finite or not (a device that trained too hard).
                int payload = t.Offset + t.HeaderLength;
                int slots = (int)Math.Min(t.Length, d.Count - payload) / 4;
                if (slots > 0)
                {
                    int at = payload + (4 * _rng.Next(slots));
                    float value = BitConverter.ToSingle([d[at], d[at + 1], d[at + 2], d[at + 3]]) * Pick([-1f, 0f, 2f, 10f, 1e3f, 1e6f, 1e20f]);
                    Write(d, at, BitConverter.GetBytes(value));
                }

                return $"tensor float scaled@{t.Offset}";
            }

            case (TokenKind.Map or TokenKind.Array or TokenKind.Str or TokenKind.Bin, < 2):
            {
                long length = _rng.Next(3) switch
                {
                    0 => Pick(InterestingLengths),
                    1 => Math.Max(0, t.Length + _rng.Next(-2, 3)),
                    _ => t.Length * 2,
                };
                byte[] header = Header(t.Kind, Math.Min(length, uint.MaxValue));
                d.RemoveRange(t.Offset, t.HeaderLength);
                d.InsertRange(t.Offset, header);
                return $"{t.Kind} length {t.Length}->{length}@{t.Offset}";
            }

            case (TokenKind.Float32, _):
                Write(d, t.Offset + 1, BitConverterBigEndian(Pick(SpecialFloats)));
                return $"float32@{t.Offset}";
            case (TokenKind.Float64, _):
                Write(d, t.Offset + 1, BitConverterBigEndian(Pick(SpecialDoubles)));
                return $"float64@{t.Offset}";
            case (TokenKind.Int, 0):
            {
                byte[] replacement = Pick<byte[]>(
                [
                    [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], // int64 min
                    [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // uint64 max
                    [0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // int64 max
                    [0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
                    [0xff], // -1
                    [0x00],
                    [0xce, 0x80, 0, 0, 0], // 2^31
                    [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], // a NaN where an integer was
                ]);
                d.RemoveRange(t.Offset, Math.Min(d.Count - t.Offset, t.HeaderLength + (int)t.Length));
                d.InsertRange(t.Offset, replacement);
                return $"int@{t.Offset}={Convert.ToHexString(replacement)}";
            }

            case (TokenKind.Bin, _) when t.Length >= 4:
            {
                // Tensor data: a few aligned float32 slots set to non-finite or extreme values.
                int payload = t.Offset + t.HeaderLength;
                int slots = (int)Math.Min(t.Length, d.Count - payload) / 4;
                int n = 1 + _rng.Next(4);
                for (int i = 0; i < n && slots > 0; i++)
                {
                    int at = payload + (4 * _rng.Next(slots));
                    byte[] value = BitConverter.GetBytes(Pick(SpecialFloats));
                    Write(d, at, value);
                }

                return $"tensor floats@{t.Offset}";
            }

            case (TokenKind.Str, _) when t.Length > 0 && t.Offset + t.HeaderLength < d.Count:
                d[t.Offset + t.HeaderLength] = Pick<byte>([0xff, 0xc0, 0x80, 0xed, 0x00, (byte)'/', (byte)'+']);
                return $"str byte@{t.Offset}";
            default:
                d[t.Offset] = Pick(TypeBytes);
                return $"type byte@{t.Offset}={d[t.Offset]:x2}";
        }
    }

    private static byte[] Header(TokenKind kind, long length)
    {
        uint n = (uint)length;
        return kind switch
        {
            TokenKind.Map when n <= 15 => [(byte)(0x80 | n)],
            TokenKind.Array when n <= 15 => [(byte)(0x90 | n)],
            TokenKind.Str when n <= 31 => [(byte)(0xa0 | n)],
            TokenKind.Map => [0xdf, .. BigEndian(n)],
            TokenKind.Array => [0xdd, .. BigEndian(n)],
            TokenKind.Str => [0xdb, .. BigEndian(n)],
            _ => [0xc6, .. BigEndian(n)],
        };
    }

    private static byte[] BigEndian(uint n)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, n);
        return b;
    }

    private static byte[] BitConverterBigEndian(float value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteSingleBigEndian(b, value);
        return b;
    }

    private static byte[] BitConverterBigEndian(double value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        return b;
    }

    private static void Write(List<byte> d, int at, byte[] bytes)
    {
        for (int i = 0; i < bytes.Length && at + i < d.Count; i++)
        {
            d[at + i] = bytes[i];
        }
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];
}
