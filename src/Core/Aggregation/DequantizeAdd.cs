using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// <c>acc[i] += factor x (q[i] - zeroPoint)</c> over 8-bit values, dequantized in registers: bytes are widened
/// straight to int32 lanes (one <c>vpmovzxbd</c> per 16 or 8 bytes on x64, a widening chain on Arm), the zero
/// point is subtracted in integers, and the float product is fused into the sum.
/// </summary>
/// <remarks>
/// <c>q - zeroPoint</c> is an integer in -255..255, so converting it to float is exact; every element, vector
/// or tail, is <c>FusedMultiplyAdd(q - zp, factor, acc)</c>, so the result does not depend on the path taken.
/// </remarks>
internal static unsafe class DequantizeAdd
{
    /// <summary>Adds the first <c>q.Length</c> elements; <paramref name="acc"/> must be at least as long.</summary>
    internal static void Run(ReadOnlySpan<byte> q, float factor, int zeroPoint, Span<float> acc)
    {
        if (acc.Length < q.Length)
        {
            throw new ArgumentException($"the sums hold {acc.Length} elements, the input {q.Length}", nameof(acc));
        }

        ref byte src = ref MemoryMarshal.GetReference(q);
        ref float dst = ref MemoryMarshal.GetReference(acc);
        int n = q.Length;
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var f = Vector512.Create(factor);
            var z = Vector512.Create(zeroPoint);
            for (; i <= n - 32; i += 32)
            {
                Vector256<byte> b = Vector256.LoadUnsafe(ref src, (nuint)i);
                Step512(Avx512F.ConvertToVector512Int32(b.GetLower()), z, f, ref dst, i);
                Step512(Avx512F.ConvertToVector512Int32(b.GetUpper()), z, f, ref dst, i + 16);
            }
        }
        else if (Avx2.IsSupported)
        {
            var f = Vector256.Create(factor);
            var z = Vector256.Create(zeroPoint);
            for (; i <= n - 16; i += 16)
            {
                Vector128<byte> b = Vector128.LoadUnsafe(ref src, (nuint)i);
                Step256(Avx2.ConvertToVector256Int32(b), z, f, ref dst, i);
                Step256(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(b, 8)), z, f, ref dst, i + 8);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var f = Vector128.Create(factor);
            var z = Vector128.Create(zeroPoint);
            for (; i <= n - 16; i += 16)
            {
                (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                (Vector128<uint> a, Vector128<uint> b) = Vector128.Widen(lo);
                (Vector128<uint> c, Vector128<uint> d) = Vector128.Widen(hi);
                Step128(a.AsInt32(), z, f, ref dst, i);
                Step128(b.AsInt32(), z, f, ref dst, i + 4);
                Step128(c.AsInt32(), z, f, ref dst, i + 8);
                Step128(d.AsInt32(), z, f, ref dst, i + 12);
            }
        }

        for (; i < n; i++)
        {
            ref float a = ref Unsafe.Add(ref dst, i);
            a = MathF.FusedMultiplyAdd(Unsafe.Add(ref src, i) - zeroPoint, factor, a);
        }
    }

    /// <summary>
    /// <c>acc[i] = fma(q_g[i] - zp_g, factor_g, acc[i])</c> for each g in order, the inputs and the sums advancing
    /// together, so the sums are read and written once for the whole group; each element is computed exactly
    /// as by <see cref="Run"/> once per input. <paramref name="fresh"/>: the sums count as zeros (written, not read).
    /// </summary>
    internal static void RunGroup(ReadOnlySpan<nint> inputs, ReadOnlySpan<float> factors, ReadOnlySpan<int> zeroPoints, float* acc, int n, bool fresh = false, bool nonTemporal = false)
    {
        int count = inputs.Length;
        byte** q = stackalloc byte*[count];
        for (int g = 0; g < count; g++)
        {
            q[g] = (byte*)inputs[g];
        }

        int i = 0;
        if (Avx512F.IsSupported && n >= 64)
        {
            // Scalar steps until the sums are 64-byte aligned, so no stored vector splits a cache line (a .NET
            // array's data starts 16 bytes into a line: unaligned, every 64-byte store would touch two lines).
            int misaligned = (int)((nuint)acc & 63);
            if (misaligned % sizeof(float) != 0)
            {
                throw new ArgumentException("the sums are not 4-byte aligned", nameof(acc));
            }

            i = misaligned == 0 ? 0 : (64 - misaligned) / sizeof(float);
            ScalarGroup(q, factors, zeroPoints, acc, 0, i, fresh);
            var f = stackalloc Vector512<float>[count];
            var z = stackalloc Vector512<int>[count];
            for (int g = 0; g < count; g++)
            {
                f[g] = Vector512.Create(factors[g]);
                z[g] = Vector512.Create(zeroPoints[g]);
            }

            bool streaming = nonTemporal && Avx512F.IsSupported;
            for (; i <= n - 32; i += 32)
            {
                Vector512<float> a0 = fresh ? Vector512<float>.Zero : Vector512.LoadAligned(acc + i);
                Vector512<float> a1 = fresh ? Vector512<float>.Zero : Vector512.LoadAligned(acc + i + 16);
                for (int g = 0; g < count; g++)
                {
                    // vpmovzxbd from memory (the JIT folds the 16-byte load into it): no 32-byte load and extract shuffle.
                    byte* b = q[g] + i;
                    a0 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load(b)) - z[g]), f[g], a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load(b + 16)) - z[g]), f[g], a1);
                }

                if (streaming)
                {
                    Avx512F.StoreAlignedNonTemporal(acc + i, a0);
                    Avx512F.StoreAlignedNonTemporal(acc + i + 16, a1);
                }
                else
                {
                    Vector512.StoreAligned(a0, acc + i);
                    Vector512.StoreAligned(a1, acc + i + 16);
                }
            }

            if (streaming)
            {
                Sse.StoreFence(); // non-temporal stores are weakly ordered: make them visible before the sums are read again
            }
        }
        else if (Avx2.IsSupported)
        {
            var f = stackalloc Vector256<float>[count];
            var z = stackalloc Vector256<int>[count];
            for (int g = 0; g < count; g++)
            {
                f[g] = Vector256.Create(factors[g]);
                z[g] = Vector256.Create(zeroPoints[g]);
            }

            for (; i <= n - 16; i += 16)
            {
                Vector256<float> a0 = fresh ? Vector256<float>.Zero : Vector256.Load(acc + i);
                Vector256<float> a1 = fresh ? Vector256<float>.Zero : Vector256.Load(acc + i + 8);
                for (int g = 0; g < count; g++)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(q[g] + i) - z[g]), f[g], a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(q[g] + i + 8) - z[g]), f[g], a1);
                }

                a0.Store(acc + i);
                a1.Store(acc + i + 8);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var f = stackalloc Vector128<float>[count];
            var z = stackalloc Vector128<int>[count];
            for (int g = 0; g < count; g++)
            {
                f[g] = Vector128.Create(factors[g]);
                z[g] = Vector128.Create(zeroPoints[g]);
            }

            for (; i <= n - 16; i += 16)
            {
                Vector128<float> a0 = fresh ? Vector128<float>.Zero : Vector128.Load(acc + i);
                Vector128<float> a1 = fresh ? Vector128<float>.Zero : Vector128.Load(acc + i + 4);
                Vector128<float> a2 = fresh ? Vector128<float>.Zero : Vector128.Load(acc + i + 8);
                Vector128<float> a3 = fresh ? Vector128<float>.Zero : Vector128.Load(acc + i + 12);
                for (int g = 0; g < count; g++)
                {
                    (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(Vector128.Load(q[g] + i));
                    (Vector128<uint> b0, Vector128<uint> b1) = Vector128.Widen(lo);
                    (Vector128<uint> b2, Vector128<uint> b3) = Vector128.Widen(hi);
                    a0 = Vector128.FusedMultiplyAdd(Vector128.ConvertToSingle(b0.AsInt32() - z[g]), f[g], a0);
                    a1 = Vector128.FusedMultiplyAdd(Vector128.ConvertToSingle(b1.AsInt32() - z[g]), f[g], a1);
                    a2 = Vector128.FusedMultiplyAdd(Vector128.ConvertToSingle(b2.AsInt32() - z[g]), f[g], a2);
                    a3 = Vector128.FusedMultiplyAdd(Vector128.ConvertToSingle(b3.AsInt32() - z[g]), f[g], a3);
                }

                a0.Store(acc + i);
                a1.Store(acc + i + 4);
                a2.Store(acc + i + 8);
                a3.Store(acc + i + 12);
            }
        }

        ScalarGroup(q, factors, zeroPoints, acc, i, n, fresh);
    }

    /// <summary>Elements [from, to) one at a time, each computed as the vector paths compute it.</summary>
    private static void ScalarGroup(byte** q, ReadOnlySpan<float> factors, ReadOnlySpan<int> zeroPoints, float* acc, int from, int to, bool fresh)
    {
        for (int i = from; i < to; i++)
        {
            float a = fresh ? 0f : acc[i];
            for (int g = 0; g < factors.Length; g++)
            {
                a = MathF.FusedMultiplyAdd(q[g][i] - zeroPoints[g], factors[g], a);
            }

            acc[i] = a;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step512(Vector512<int> x, Vector512<int> zp, Vector512<float> factor, ref float acc, int at)
    {
        Vector512<float> v = Vector512.ConvertToSingle(x - zp);
        Vector512.FusedMultiplyAdd(v, factor, Vector512.LoadUnsafe(ref acc, (nuint)at)).StoreUnsafe(ref acc, (nuint)at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step256(Vector256<int> x, Vector256<int> zp, Vector256<float> factor, ref float acc, int at)
    {
        Vector256<float> v = Vector256.ConvertToSingle(x - zp);
        Vector256.FusedMultiplyAdd(v, factor, Vector256.LoadUnsafe(ref acc, (nuint)at)).StoreUnsafe(ref acc, (nuint)at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step128(Vector128<int> x, Vector128<int> zp, Vector128<float> factor, ref float acc, int at)
    {
        Vector128<float> v = Vector128.ConvertToSingle(x - zp);
        Vector128.FusedMultiplyAdd(v, factor, Vector128.LoadUnsafe(ref acc, (nuint)at)).StoreUnsafe(ref acc, (nuint)at);
    }
}
