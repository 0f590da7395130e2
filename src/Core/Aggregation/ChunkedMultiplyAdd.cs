using System.Numerics.Tensors;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// <c>acc += w x x</c> (TensorPrimitives.MultiplyAdd) that leaves a cache-sized accumulator in the cache.
/// </summary>
/// <remarks>
/// TensorPrimitives writes spans longer than 256 KB with non-temporal stores, which send the accumulator
/// to memory on every add: at 10^6 floats (4 MB, well inside this machine's 32 MB L3) the next add then
/// reads it back from DRAM, and one core sums at ~16 GB/s instead of ~32 GB/s (PERFORMANCE.md figure 1).
/// Accumulators up to <see cref="CacheResidentBytes"/> are therefore added in pieces below that threshold,
/// which TensorPrimitives writes with ordinary stores; larger ones do not fit a cache anyway and keep the
/// non-temporal stores. Every element is computed as by one call over the whole span, so the sums are
/// bitwise the same either way.
/// </remarks>
internal static class ChunkedMultiplyAdd
{
    /// <summary>Elements per call (64 KB of floats, a quarter of TensorPrimitives' non-temporal threshold; whole cache lines).</summary>
    internal const int ChunkElements = 16 * 1024;

    /// <summary>The largest accumulator kept in cache between adds (half this machine's L3; 4x an Arm gateway's L2).</summary>
    internal const long CacheResidentBytes = 16L << 20;

    /// <summary>Whether an accumulator of <paramref name="elements"/> floats is added in cache-friendly pieces.</summary>
    internal static bool KeepsInCache(int elements) => (long)elements * sizeof(float) <= CacheResidentBytes;

    /// <summary>
    /// <c>acc[i] += w x x[i]</c> for every i; in pieces of <see cref="ChunkElements"/> when
    /// <paramref name="inCache"/>, otherwise in one call.
    /// </summary>
    internal static void Run(ReadOnlySpan<float> x, float w, Span<float> acc, bool inCache)
    {
        if (!inCache || acc.Length <= ChunkElements)
        {
            TensorPrimitives.MultiplyAdd(x, w, acc, acc);
            return;
        }

        for (int start = 0; start < acc.Length; start += ChunkElements)
        {
            int length = Math.Min(ChunkElements, acc.Length - start);
            Span<float> a = acc.Slice(start, length);
            TensorPrimitives.MultiplyAdd(x.Slice(start, length), w, a, a);
        }
    }
}
