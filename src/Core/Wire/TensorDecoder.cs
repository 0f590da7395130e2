using EdgeFL.Core.Models;
using MessagePack;
using static EdgeFL.Core.Wire.WireReading;

namespace EdgeFL.Core.Wire;

/// <summary>Reads one tensor map and checks it against its shape, dtype and the limits.</summary>
internal static class TensorDecoder
{
    public static NamedTensor Read(ref MessagePackReader r, DecodeLimits l, int index, ref long totalElements)
    {
        string where = $"tensor[{index}]";
        int n = ReadMapHeader(ref r, where);
        ulong seen = 0;
        string? name = null;
        TensorDType dtype = default;
        int[]? shape = null;
        ReadOnlyMemory<byte> data = default;
        double scale = 0;
        long zp = 0;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: true, ref seen, where))
            {
                case WireKey.Name:
                    name = ReadString(ref r, WireKey.Name, l.MaxNameLength);
                    break;
                case WireKey.DType:
                    ReadOnlySpan<byte> d = ReadToken(ref r, WireKey.DType);
                    if (!TryParseDType(d, out dtype))
                    {
                        throw Error(WireErrorReason.BadTensor, $"{where}: unknown dtype '{System.Text.Encoding.UTF8.GetString(d)}'");
                    }

                    break;
                case WireKey.Shape:
                    shape = ReadShape(ref r, l, where);
                    break;
                case WireKey.Data:
                    data = ReadBin(ref r, where);
                    break;
                case WireKey.Scale:
                    scale = ReadDouble(ref r, WireKey.Scale);
                    break;
                case WireKey.Zp:
                    zp = ReadInt64(ref r, WireKey.Zp);
                    break;
                default:
                    SkipValue(ref r, 4, l);
                    break;
            }
        }

        Require(seen, WireKey.Name, where);
        Require(seen, WireKey.DType, where);
        Require(seen, WireKey.Shape, where);
        Require(seen, WireKey.Data, where);
        if (name!.Length == 0)
        {
            throw Error(WireErrorReason.BadTensor, $"{where}: empty name");
        }

        where = $"tensor '{name}'";
        long count = CountElements(shape!, l, where);
        totalElements += count;
        if (totalElements > l.MaxTotalElements)
        {
            throw Error(WireErrorReason.LimitExceeded, $"{where}: model exceeds the limit of {l.MaxTotalElements} elements");
        }

        long expectedBytes = count * dtype.ElementSize();
        if (data.Length != expectedBytes)
        {
            throw Error(WireErrorReason.BadTensor, $"{where}: {data.Length} data bytes, but shape and dtype {dtype.WireName()} need {expectedBytes}");
        }

        Quantization? quantization = null;
        if (dtype == TensorDType.QUInt8)
        {
            quantization = ReadQuantization(seen, scale, zp, where);
        }
        else if (Has(seen, WireKey.Scale) || Has(seen, WireKey.Zp))
        {
            throw Error(WireErrorReason.BadTensor, $"{where}: 'scale'/'zp' are only allowed with dtype q8");
        }

        return new NamedTensor(name, shape!, dtype, data, quantization);
    }

    private static Quantization ReadQuantization(ulong seen, double scale, long zp, string where)
    {
        if (!Has(seen, WireKey.Scale) || !Has(seen, WireKey.Zp))
        {
            throw Error(WireErrorReason.BadTensor, $"{where}: a q8 tensor needs 'scale' and 'zp'");
        }

        float s = (float)scale;
        if (!float.IsFinite(s) || s <= 0)
        {
            throw Error(WireErrorReason.BadTensor, $"{where}: scale {scale} is not a finite positive float32");
        }

        if (zp is < 0 or > 255)
        {
            throw Error(WireErrorReason.BadTensor, $"{where}: zero point {zp} is outside 0..255");
        }

        return new Quantization(s, (int)zp);
    }

    private static int[] ReadShape(ref MessagePackReader r, DecodeLimits l, string where)
    {
        int rank = ReadArrayHeader(ref r, $"{where} 'shape'");
        if (rank > l.MaxRank)
        {
            throw Error(WireErrorReason.LimitExceeded, $"{where}: rank {rank} exceeds the limit of {l.MaxRank}");
        }

        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            long d = ReadInt64(ref r, WireKey.Shape);
            if (d is < 0 or > int.MaxValue)
            {
                throw Error(WireErrorReason.BadTensor, $"{where}: dimension {d} is outside 0..{int.MaxValue}");
            }

            shape[i] = (int)d;
        }

        return shape;
    }

    private static long CountElements(int[] shape, DecodeLimits l, string where)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d != 0 && count > l.MaxTensorElements / d)
            {
                throw Error(WireErrorReason.LimitExceeded, $"{where}: shape [{string.Join(',', shape)}] exceeds the limit of {l.MaxTensorElements} elements");
            }

            count *= d;
        }

        return count;
    }

    private static bool TryParseDType(ReadOnlySpan<byte> name, out TensorDType dtype)
    {
        if (name.SequenceEqual("f32"u8)) { dtype = TensorDType.Float32; return true; }
        if (name.SequenceEqual("i64"u8)) { dtype = TensorDType.Int64; return true; }
        if (name.SequenceEqual("q8"u8)) { dtype = TensorDType.QUInt8; return true; }
        dtype = default;
        return false;
    }
}
