using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using EdgeFL.Core.Aggregation;

namespace EdgeFL.Core.Tests.Aggregation;

public class ChunkedMultiplyAddTests
{
    [Theory]
    [InlineData(ChunkedMultiplyAdd.ChunkElements - 1, 0)]         // one call
    [InlineData(ChunkedMultiplyAdd.ChunkElements, 0)]
    [InlineData((5 * ChunkedMultiplyAdd.ChunkElements) + 3, 0)]   // whole chunks and a ragged end
    [InlineData((5 * ChunkedMultiplyAdd.ChunkElements) + 3, 1)]   // floats not 4-byte aligned, as a slice of a received payload can be
    [InlineData(300_007, 6)]                                      // beyond TensorPrimitives' non-temporal threshold (64 Ki floats)
    public void InPieces_GivesBitwiseTheOneCallAndTheScalarSums(int length, int byteOffset)
    {
        var rng = new Random(length + byteOffset);
        byte[] payload = new byte[byteOffset + (length * sizeof(float))];
        ReadOnlySpan<float> x = MemoryMarshal.Cast<byte, float>(payload.AsSpan(byteOffset));
        Span<float> writable = MemoryMarshal.Cast<byte, float>(payload.AsSpan(byteOffset));
        for (int i = 0; i < length; i++)
        {
            writable[i] = (float)(rng.NextDouble() - 0.5);
        }

        float[] start = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 3)).ToArray();
        const float w = 0.37f;
        float[] chunked = (float[])start.Clone();
        float[] whole = (float[])start.Clone();
        float[] scalar = (float[])start.Clone();

        ChunkedMultiplyAdd.Run(x, w, chunked, inCache: true);
        TensorPrimitives.MultiplyAdd(x, w, whole, whole);
        for (int i = 0; i < length; i++)
        {
            float product = w * x[i];
            scalar[i] += product;
        }

        Assert.Equal(whole, chunked);
        Assert.Equal(scalar, chunked);
    }

    [Fact]
    public void OutOfCache_IsOneCall_WithTheSameSums()
    {
        var rng = new Random(3);
        int length = (2 * ChunkedMultiplyAdd.ChunkElements) + 5;
        float[] x = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] a = new float[length];
        float[] b = new float[length];
        ChunkedMultiplyAdd.Run(x, 2.5f, a, inCache: false);
        ChunkedMultiplyAdd.Run(x, 2.5f, b, inCache: true);
        Assert.Equal(a, b);
    }

    [Fact]
    public void KeepsInCache_UpToTheResidentBudget()
    {
        int resident = (int)(ChunkedMultiplyAdd.CacheResidentBytes / sizeof(float));
        Assert.True(ChunkedMultiplyAdd.KeepsInCache(1_000_000));
        Assert.True(ChunkedMultiplyAdd.KeepsInCache(resident));
        Assert.False(ChunkedMultiplyAdd.KeepsInCache(resident + 1));
        Assert.False(ChunkedMultiplyAdd.KeepsInCache(10_000_000));
    }
}
