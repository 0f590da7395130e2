using System.Runtime.InteropServices;
using EdgeFL.Core.Aggregation;

namespace EdgeFL.Core.Tests.Aggregation;

public class GroupFoldTests
{
    /// <summary>The scalar reference: each term applied to each element in order, one fused multiply-add per term.</summary>
    private static float[] Scalar(float[] start, IReadOnlyList<FoldTerm> terms)
    {
        float[] acc = (float[])start.Clone();
        for (int i = 0; i < acc.Length; i++)
        {
            foreach (FoldTerm t in terms)
            {
                float x = t.Quantized ? t.Data.Span[i] - t.ZeroPoint : MemoryMarshal.Cast<byte, float>(t.Data.Span)[i];
                acc[i] = MathF.FusedMultiplyAdd(x, t.Factor, acc[i]);
            }
        }

        return acc;
    }

    /// <summary>Floats starting <paramref name="byteOffset"/> bytes into the buffer (a received payload's slice need not be aligned).</summary>
    private static FoldTerm FloatTerm(Random rng, int length, float factor, int byteOffset)
    {
        byte[] buffer = new byte[byteOffset + (length * sizeof(float))];
        Span<float> x = MemoryMarshal.Cast<byte, float>(buffer.AsSpan(byteOffset));
        for (int i = 0; i < length; i++)
        {
            x[i] = (float)(rng.NextDouble() - 0.5);
        }

        return new FoldTerm(buffer.AsMemory(byteOffset), Quantized: false, factor, 0);
    }

    private static FoldTerm ByteTerm(Random rng, int length, float factor, int zeroPoint, int byteOffset)
    {
        byte[] buffer = new byte[byteOffset + length];
        rng.NextBytes(buffer);
        return new FoldTerm(buffer.AsMemory(byteOffset), Quantized: true, factor, zeroPoint);
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(1, 3, 0)]
    [InlineData(15, 8, 1)]
    [InlineData(17, 2, 3)]
    [InlineData(63, 5, 0)]
    [InlineData(65, 8, 2)]
    [InlineData(4099, 7, 1)]
    [InlineData((2 * GroupFold.MinSliceElements) + 7, 8, 0)]  // split over cores, ragged end
    [InlineData((2 * GroupFold.MinSliceElements) + 9, 3, 1)]  // split, unaligned inputs
    public void Floats_AreBitwiseTheScalarSums_ForAnyLengthGroupAndAlignment(int length, int groupSize, int byteOffset)
    {
        var rng = new Random((length * 31) + groupSize);
        FoldTerm[] terms = Enumerable.Range(0, groupSize).Select(g => FloatTerm(rng, length, 0.5f + g, byteOffset)).ToArray();
        float[] start = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] expected = Scalar(start, terms);

        foreach (int threads in new[] { 1, 2, 4 })
        {
            float[] acc = (float[])start.Clone();
            GroupFold.Run(terms, acc, threads);
            Assert.Equal(expected, acc);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(31, 8)]
    [InlineData(33, 2)]
    [InlineData(1000, 5)]
    [InlineData((2 * GroupFold.MinSliceElements) + 5, 8)]
    public void Bytes_AreBitwiseTheScalarSums(int length, int groupSize)
    {
        var rng = new Random(length + groupSize);
        FoldTerm[] terms = Enumerable.Range(0, groupSize).Select(g => ByteTerm(rng, length, 0.01f * (g + 1), rng.Next(0, 256), g % 2)).ToArray();
        float[] start = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] expected = Scalar(start, terms);

        foreach (int threads in new[] { 1, 2 })
        {
            float[] acc = (float[])start.Clone();
            GroupFold.Run(terms, acc, threads);
            Assert.Equal(expected, acc);
        }
    }

    [Fact]
    public void MixedGroup_KeepsTheOrderOfItsTerms()
    {
        var rng = new Random(5);
        const int length = 777;
        FoldTerm[] terms =
        [
            FloatTerm(rng, length, 2f, 0),
            ByteTerm(rng, length, 0.02f, 128, 0),
            ByteTerm(rng, length, 0.5f, 3, 1),
            FloatTerm(rng, length, -1.5f, 2),
            ByteTerm(rng, length, 1e-3f, 255, 0),
        ];
        float[] start = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] acc = (float[])start.Clone();

        GroupFold.Run(terms, acc, 2);

        Assert.Equal(Scalar(start, terms), acc);
    }

    [Fact]
    public void OneGroup_IsBitwiseItsTermsFoldedOneByOne()
    {
        var rng = new Random(6);
        int length = (3 * GroupFold.MinSliceElements) + 11;
        FoldTerm[] terms = Enumerable.Range(0, 8).Select(g => g % 3 == 0 ? ByteTerm(rng, length, 0.1f, 100, 0) : FloatTerm(rng, length, g, 0)).ToArray();
        float[] grouped = new float[length];
        float[] oneByOne = new float[length];

        GroupFold.Run(terms, grouped, 2);
        foreach (FoldTerm t in terms)
        {
            GroupFold.Run([t], oneByOne, 2);
        }

        Assert.Equal(oneByOne, grouped);
    }

    [Fact]
    public void SumsBeyondTheCache_NonTemporalStores_GiveTheSameSums()
    {
        var rng = new Random(7);
        int length = (int)(ChunkedMultiplyAdd.CacheResidentBytes / sizeof(float)) + 21;
        FoldTerm[] terms = [FloatTerm(rng, length, 3f, 0), FloatTerm(rng, length, 0.25f, 0)];
        float[] acc = new float[length];

        GroupFold.Run(terms, acc, 2);

        Assert.Equal(Scalar(new float[length], terms), acc);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QuantizedSumsBeyondTheCache_NonTemporalStores_GiveTheSameSums(bool fresh)
    {
        var rng = new Random(9);
        int length = (int)(ChunkedMultiplyAdd.CacheResidentBytes / sizeof(float)) + 37;
        FoldTerm[] terms = [ByteTerm(rng, length, 0.02f, 128, 0), ByteTerm(rng, length, 0.5f, 3, 1)];
        float[] start = Enumerable.Range(0, length).Select(i => (i % 7) * 0.125f).ToArray();
        float[] acc = (float[])start.Clone();

        GroupFold.Run(terms, acc, 2, fresh);

        Assert.Equal(Scalar(fresh ? new float[length] : start, terms), acc);
    }

    [Theory]
    [InlineData(64, 2)]
    [InlineData(100, 1)]
    [InlineData(1000, 2)]
    [InlineData(4096 + 13, 8)]
    public void QuantizedGroup_FreshAndAccumulating_AreBitwiseTheScalarSums(int length, int groupSize)
    {
        // Lengths from the first vector step on: the scalar steps up to the sums' 64-byte alignment, the
        // vector body and the tail must compute every element alike.
        var rng = new Random(length * groupSize);
        FoldTerm[] terms = Enumerable.Range(0, groupSize).Select(g => ByteTerm(rng, length, 0.01f * (g + 1), rng.Next(0, 256), g % 3)).ToArray();
        float[] start = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] acc = (float[])start.Clone();
        float[] garbage = Enumerable.Range(0, length).Select(_ => float.NaN).ToArray();

        GroupFold.Run(terms, acc, 1);
        GroupFold.Run(terms, garbage, 1, fresh: true);

        Assert.Equal(Scalar(start, terms), acc);
        Assert.Equal(Scalar(new float[length], terms), garbage);
    }

    [Fact]
    public void BadGroups_AreRefused()
    {
        var rng = new Random(8);
        Assert.Throws<ArgumentOutOfRangeException>(() => GroupFold.Run([], new float[4], 1));
        FoldTerm[] nine = Enumerable.Range(0, GroupFold.MaxGroup + 1).Select(_ => FloatTerm(rng, 4, 1, 0)).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => GroupFold.Run(nine, new float[4], 1));
        Assert.Throws<ArgumentException>(() => GroupFold.Run([FloatTerm(rng, 3, 1, 0)], new float[4], 1));
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(1001, 2)]
    [InlineData((2 * GroupFold.MinSliceElements) + 3, 2)]
    public void Fresh_TreatsTheSumsAsZeros_WhateverTheyHold(int length, int threads)
    {
        var rng = new Random(length);
        FoldTerm[] terms =
        [
            ByteTerm(rng, length, 0.3f, 17, 0),
            FloatTerm(rng, length, 2f, 1),
            FloatTerm(rng, length, -0.5f, 0),
        ];
        float[] garbage = Enumerable.Range(0, length).Select(_ => float.NaN).ToArray();

        GroupFold.Run(terms, garbage, threads, fresh: true);

        Assert.Equal(Scalar(new float[length], terms), garbage);
    }
}
