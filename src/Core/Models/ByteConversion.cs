using System.Numerics;

namespace EdgeFL.Core.Models;

/// <summary>
/// byte &lt;-&gt; float conversions for q8 tensors with explicit SIMD widening/narrowing
/// (TensorPrimitives' generic conversions between these types run element by element).
/// </summary>
internal static class ByteConversion
{
    /// <summary>dst[i] = src[i].</summary>
    public static void ToSingle(ReadOnlySpan<byte> src, Span<float> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int f = Vector<float>.Count;
            for (; i <= src.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(src[i..]), out Vector<ushort> lo, out Vector<ushort> hi);
                Vector.Widen(lo, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(hi, out Vector<uint> c, out Vector<uint> d);
                Vector.ConvertToSingle(a).CopyTo(dst[i..]);
                Vector.ConvertToSingle(b).CopyTo(dst[(i + f)..]);
                Vector.ConvertToSingle(c).CopyTo(dst[(i + (2 * f))..]);
                Vector.ConvertToSingle(d).CopyTo(dst[(i + (3 * f))..]);
            }
        }

        for (; i < src.Length; i++)
        {
            dst[i] = src[i];
        }
    }

    /// <summary>dst[i] = (byte)src[i] for values already rounded and clamped to [0, 255].</summary>
    public static void FromSingle(ReadOnlySpan<float> src, Span<byte> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int f = Vector<float>.Count;
            for (; i <= src.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Vector<uint> a = Vector.ConvertToUInt32(new Vector<float>(src[i..]));
                Vector<uint> b = Vector.ConvertToUInt32(new Vector<float>(src[(i + f)..]));
                Vector<uint> c = Vector.ConvertToUInt32(new Vector<float>(src[(i + (2 * f))..]));
                Vector<uint> d = Vector.ConvertToUInt32(new Vector<float>(src[(i + (3 * f))..]));
                Vector.Narrow(Vector.Narrow(a, b), Vector.Narrow(c, d)).CopyTo(dst[i..]);
            }
        }

        for (; i < src.Length; i++)
        {
            dst[i] = (byte)src[i];
        }
    }
}
