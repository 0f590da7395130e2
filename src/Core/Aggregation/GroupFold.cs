using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// <c>acc += term_1 + ... + term_G</c>: a group of weighted inputs folded into the sums in one pass, so the
/// sums are read and written once per group instead of once per input.
/// </summary>
/// <remarks>
/// Every element is <c>acc = FusedMultiplyAdd(x_g, w_g, acc)</c> for g = 1..G in order, whatever the vector
/// width, the group size or the split over cores, so folding a group is bitwise the same as folding its
/// inputs one after the other. The G input streams and the sums advance together, one vector at a time
/// (G + 1 sequential streams, which the hardware prefetchers follow). A consecutive run of q8 terms goes
/// through <see cref="DequantizeAdd.RunGroup"/> in the same way. Sums that do not fit a cache
/// (<see cref="ChunkedMultiplyAdd.KeepsInCache"/>) are written with non-temporal stores, which keep the
/// cache for the inputs; sums that fit are written with ordinary stores so that they stay there.
/// </remarks>
internal static unsafe class GroupFold
{
    /// <summary>The most inputs folded in one pass: the sums' traffic falls by 8x, and 9 streams stay within what the prefetchers track.</summary>
    internal const int MaxGroup = 8;

    /// <summary>The shortest slice a core gets: smaller tensors are summed on one core (the handoff would cost more).</summary>
    internal const int MinSliceElements = 32 * 1024;

    /// <summary>
    /// Folds <paramref name="terms"/> (at most <see cref="MaxGroup"/>, each as long as the sums) into <paramref name="acc"/> on up to
    /// <paramref name="maxThreads"/> cores; <paramref name="fresh"/>: the sums count as zeros whatever they hold (they are written, not read).
    /// </summary>
    internal static void Run(ReadOnlySpan<FoldTerm> terms, float[] acc, int maxThreads, bool fresh = false)
    {
        if (terms.Length is 0 or > MaxGroup)
        {
            throw new ArgumentOutOfRangeException(nameof(terms), terms.Length, $"a group has 1 to {MaxGroup} terms");
        }

        for (int g = 0; g < terms.Length; g++)
        {
            FoldTerm t = terms[g];
            long needed = (long)acc.Length * (t.Quantized ? 1 : sizeof(float));
            if (t.Data.Length < needed)
            {
                throw new ArgumentException($"term {g} holds {t.Data.Length} bytes, the sums need {needed}", nameof(terms));
            }
        }

        // No heap allocation and no GC handle on the one-core path: a call on a small tensor costs little more than its work.
        Span<nint> inputs = stackalloc nint[terms.Length];
        PinThenRun(terms, 0, inputs, acc, maxThreads, fresh);
    }

    /// <summary>Pins term <paramref name="g"/>'s bytes with <c>fixed</c> (no GC handle), then the next one's, and runs the fold once all are pinned.</summary>
    private static void PinThenRun(ReadOnlySpan<FoldTerm> terms, int g, Span<nint> inputs, float[] acc, int maxThreads, bool fresh)
    {
        if (g < terms.Length)
        {
            fixed (byte* data = terms[g].Data.Span)
            {
                inputs[g] = (nint)data;
                PinThenRun(terms, g + 1, inputs, acc, maxThreads, fresh);
            }

            return;
        }

        Span<float> factors = stackalloc float[terms.Length];
        Span<int> zeroPoints = stackalloc int[terms.Length];
        Span<bool> quantized = stackalloc bool[terms.Length];
        for (int t = 0; t < terms.Length; t++)
        {
            (factors[t], zeroPoints[t], quantized[t]) = (terms[t].Factor, terms[t].ZeroPoint, terms[t].Quantized);
        }

        bool nonTemporal = !ChunkedMultiplyAdd.KeepsInCache(acc.Length);
        fixed (float* sums = acc)
        {
            int parts = Math.Min(maxThreads, acc.Length / MinSliceElements);
            if (parts < 2)
            {
                RunSlice(inputs, factors, zeroPoints, quantized, sums, 0, acc.Length, nonTemporal, fresh);
                return;
            }

            // Slices of whole cache lines (16 floats), so no two cores write the same line. The lambda cannot
            // capture spans: the few values it needs go to arrays (this path's work dwarfs their cost).
            nint at = (nint)sums;
            nint[] inputArray = inputs.ToArray();
            float[] factorArray = factors.ToArray();
            int[] zeroPointArray = zeroPoints.ToArray();
            bool[] quantizedArray = quantized.ToArray();
            int slice = ((acc.Length / parts) + 15) & ~15;
            int length = acc.Length;
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
            {
                int start = p * slice;
                int n = Math.Min(slice, length - start);
                if (n > 0)
                {
                    RunSlice(inputArray, factorArray, zeroPointArray, quantizedArray, (float*)at, start, n, nonTemporal, fresh);
                }
            });
        }
    }

    /// <summary>Elements [start, start + n) of the sums, the terms applied in runs of the same kind, in order.</summary>
    private static void RunSlice(ReadOnlySpan<nint> inputs, ReadOnlySpan<float> factors, ReadOnlySpan<int> zeroPoints, ReadOnlySpan<bool> quantized, float* acc, int start, int n, bool nonTemporal, bool fresh)
    {
        Span<nint> slice = stackalloc nint[inputs.Length];
        int g = 0;
        while (g < inputs.Length)
        {
            int end = g + 1;
            while (end < inputs.Length && quantized[end] == quantized[g])
            {
                end++;
            }

            if (quantized[g])
            {
                for (int q = g; q < end; q++)
                {
                    slice[q - g] = inputs[q] + start;
                }

                DequantizeAdd.RunGroup(slice[..(end - g)], factors.Slice(g, end - g), zeroPoints.Slice(g, end - g), acc + start, n, fresh && g == 0, nonTemporal);
            }
            else
            {
                FloatRun(inputs.Slice(g, end - g), start, factors.Slice(g, end - g), acc + start, n, nonTemporal, fresh && g == 0);
            }

            g = end;
        }
    }

    /// <summary><c>acc[i] = fma(x_g[offset + i], w_g, acc[i])</c> for each g in order, all streams advancing together.</summary>
    private static void FloatRun(ReadOnlySpan<nint> inputs, int offset, ReadOnlySpan<float> weights, float* acc, int n, bool nonTemporal, bool fresh)
    {
        int count = inputs.Length;
        float** x = stackalloc float*[count];
        for (int g = 0; g < count; g++)
        {
            x[g] = (float*)inputs[g] + offset;
        }

        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= 64)
        {
            // Scalar steps until the sums are 64-byte aligned: no stored vector splits a cache line.
            i = Peel(x, weights, acc, n, 64, fresh);
            var w = stackalloc Vector512<float>[count];
            for (int g = 0; g < count; g++)
            {
                w[g] = Vector512.Create(weights[g]);
            }

            for (; i <= n - 32; i += 32)
            {
                Vector512<float> a0 = fresh ? Vector512<float>.Zero : Vector512.Load(acc + i);
                Vector512<float> a1 = fresh ? Vector512<float>.Zero : Vector512.Load(acc + i + 16);
                for (int g = 0; g < count; g++)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(x[g] + i), w[g], a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(x[g] + i + 16), w[g], a1);
                }

                if (nonTemporal && Avx512F.IsSupported)
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
        }
        else if (Vector256.IsHardwareAccelerated && n >= 32)
        {
            i = Peel(x, weights, acc, n, 32, fresh);
            var w = stackalloc Vector256<float>[count];
            for (int g = 0; g < count; g++)
            {
                w[g] = Vector256.Create(weights[g]);
            }

            for (; i <= n - 16; i += 16)
            {
                Vector256<float> a0 = fresh ? Vector256<float>.Zero : Vector256.Load(acc + i);
                Vector256<float> a1 = fresh ? Vector256<float>.Zero : Vector256.Load(acc + i + 8);
                for (int g = 0; g < count; g++)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x[g] + i), w[g], a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x[g] + i + 8), w[g], a1);
                }

                if (nonTemporal && Avx.IsSupported)
                {
                    Avx.StoreAlignedNonTemporal(acc + i, a0);
                    Avx.StoreAlignedNonTemporal(acc + i + 8, a1);
                }
                else
                {
                    Vector256.StoreAligned(a0, acc + i);
                    Vector256.StoreAligned(a1, acc + i + 8);
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= 16)
        {
            i = Peel(x, weights, acc, n, 16, fresh);
            var w = stackalloc Vector128<float>[count];
            for (int g = 0; g < count; g++)
            {
                w[g] = Vector128.Create(weights[g]);
            }

            for (; i <= n - 8; i += 8)
            {
                Vector128<float> a0 = fresh ? Vector128<float>.Zero : Vector128.Load(acc + i);
                Vector128<float> a1 = fresh ? Vector128<float>.Zero : Vector128.Load(acc + i + 4);
                for (int g = 0; g < count; g++)
                {
                    a0 = Vector128.FusedMultiplyAdd(Vector128.Load(x[g] + i), w[g], a0);
                    a1 = Vector128.FusedMultiplyAdd(Vector128.Load(x[g] + i + 4), w[g], a1);
                }

                Vector128.StoreAligned(a0, acc + i);
                Vector128.StoreAligned(a1, acc + i + 4);
            }
        }

        if (nonTemporal && Sse.IsSupported)
        {
            Sse.StoreFence(); // non-temporal stores are weakly ordered: make them visible before the sums are read again
        }

        Scalar(x, weights, acc, i, n, fresh);
    }

    /// <summary>Scalar steps from 0 until <paramref name="acc"/> + i is <paramref name="alignment"/>-byte aligned (or n is reached); returns i.</summary>
    private static int Peel(float** x, ReadOnlySpan<float> weights, float* acc, int n, int alignment, bool fresh)
    {
        int misaligned = (int)((nuint)acc & (nuint)(alignment - 1));
        if (misaligned % sizeof(float) != 0)
        {
            throw new ArgumentException("the sums are not 4-byte aligned", nameof(acc));
        }

        int peel = misaligned == 0 ? 0 : Math.Min(n, (alignment - misaligned) / sizeof(float));
        Scalar(x, weights, acc, 0, peel, fresh);
        return peel;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scalar(float** x, ReadOnlySpan<float> weights, float* acc, int from, int to, bool fresh)
    {
        for (int i = from; i < to; i++)
        {
            float a = fresh ? 0f : acc[i];
            for (int g = 0; g < weights.Length; g++)
            {
                a = MathF.FusedMultiplyAdd(x[g][i], weights[g], a);
            }

            acc[i] = a;
        }
    }
}
