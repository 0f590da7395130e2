using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Aggregation;

public class WeightedAverageAccumulatorTests
{
    private static void AssertClose(ModelState expected, ModelState actual, double relative = 1e-5)
    {
        Assert.True(expected.HasSameLayout(actual));
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            NamedTensor e = expected.Tensors[i];
            NamedTensor a = actual.Tensors[i];
            Assert.Equal(e.DType, a.DType);
            if (e.DType == TensorDType.Int64)
            {
                Assert.Equal(e.AsInt64().ToArray(), a.AsInt64().ToArray());
                continue;
            }

            ReadOnlySpan<float> ev = e.AsFloat32();
            ReadOnlySpan<float> av = a.AsFloat32();
            for (int k = 0; k < ev.Length; k++)
            {
                // Relative to the magnitude of the inputs (~1), as float32 sums of mixed signs cancel.
                double tolerance = relative * Math.Max(1.0, Math.Abs(ev[k]));
                Assert.True(Math.Abs(ev[k] - av[k]) <= tolerance, $"'{e.Name}'[{k}]: expected {ev[k]}, got {av[k]}");
            }
        }
    }

    private static ModelState WithCounter(ModelState model, long counter) =>
        new([.. model.Tensors, NamedTensor.FromInt64("steps", [], [counter])]);

    [Fact]
    public void Complete_MatchesReferenceForRandomModelsAndWeights()
    {
        var rng = new Random(21);
        for (int k = 1; k <= 20; k++)
        {
            var layout = WithCounter(Small(rng), 0);
            var acc = new WeightedAverageAccumulator(layout);
            var updates = new List<(ModelState, double)>();
            for (int j = 0; j < k; j++)
            {
                ModelState m = WithCounter(Small(rng), rng.NextInt64(0, 100_000));
                double w = rng.Next(1, 5000);
                updates.Add((m, w));
                acc.Add(m, w);
            }

            Assert.Equal(k, acc.Count);
            Assert.Equal(updates.Sum(u => u.Item2), acc.TotalWeight);
            AssertClose(Aggregate.WeightedMean(updates), acc.Complete());
        }
    }

    [Fact]
    public void Complete_MixedQ8AndF32Updates_MatchReference()
    {
        var rng = new Random(22);
        ModelState layout = Mlp(rng);
        var acc = new WeightedAverageAccumulator(layout);
        var updates = new List<(ModelState, double)>();
        for (int j = 0; j < 12; j++)
        {
            ModelState m = Mlp(rng);
            if (j % 2 == 0)
            {
                m = Quantizer.Quantize(m);
            }

            double w = rng.Next(10, 600);
            updates.Add((m, w));
            acc.Add(m, w);
        }

        ModelState result = acc.Complete();
        Assert.All(result.Tensors, t => Assert.Equal(TensorDType.Float32, t.DType));
        AssertClose(Aggregate.WeightedMean(updates), result);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(1000)]
    [InlineData(4099)]
    public void Complete_Q8Tensors_MatchReferenceWhateverTheLength(int length)
    {
        // Lengths around SIMD widths exercise the vector loop and its scalar tail in one tensor.
        var rng = new Random(length);
        var layout = new ModelState([Normal(rng, "w", [length])]);
        var acc = new WeightedAverageAccumulator(layout);
        var updates = new List<(ModelState, double)>();
        for (int j = 0; j < 5; j++)
        {
            ModelState m = Quantizer.Quantize(new ModelState([Normal(rng, "w", [length], std: 0.1, mean: j - 2)]));
            updates.Add((m, j + 1));
            acc.Add(m, j + 1);
        }

        AssertClose(Aggregate.WeightedMean(updates), acc.Complete());
    }

    [Fact]
    public void Complete_WeightsBySampleCount()
    {
        var layout = new ModelState([NamedTensor.FromFloat32("w", [2], [0f, 0f])]);
        var acc = new WeightedAverageAccumulator(layout);
        acc.Add(new ModelState([NamedTensor.FromFloat32("w", [2], [1f, 10f])]), 300);
        acc.Add(new ModelState([NamedTensor.FromFloat32("w", [2], [5f, -10f])]), 100);
        Assert.Equal([2f, 5f], acc.Complete().Tensors[0].AsFloat32().ToArray());
    }

    [Theory]
    [InlineData(1, 2, 1, 1, 2)] // 1.5 -> 2 (ties to even)
    [InlineData(0, 10, 3, 1, 2)] // 2.5 -> 2 (ties to even)
    [InlineData(0, 10, 2, 1, 3)] // 3.33 -> 3
    [InlineData(100, 200, 1, 2, 167)] // 166.67 -> 167
    public void Complete_Int64MeanRoundsToNearest(long a, long b, double wa, double wb, long expected)
    {
        var layout = new ModelState([NamedTensor.FromInt64("n", [], [0])]);
        var acc = new WeightedAverageAccumulator(layout);
        acc.Add(new ModelState([NamedTensor.FromInt64("n", [], [a])]), wa);
        acc.Add(new ModelState([NamedTensor.FromInt64("n", [], [b])]), wb);
        Assert.Equal(expected, acc.Complete().Tensors[0].AsInt64()[0]);
    }

    public static TheoryData<string> BadUpdates() => new() { "shape", "name", "dtype", "count", "order", "q8 scale", "weight nan", "weight zero", "weight negative", "weight huge" };

    [Theory]
    [MemberData(nameof(BadUpdates))]
    public void Add_BadUpdate_ThrowsAndLeavesSumsUnchanged(string what)
    {
        var rng = new Random(23);
        ModelState layout = Small(rng);
        var acc = new WeightedAverageAccumulator(layout);
        ModelState good = Small(rng);
        acc.Add(good, 10);
        ModelState before = acc.Complete();

        ModelState other = Small(rng);
        IReadOnlyList<NamedTensor> t = other.Tensors;
        double weight = 5;
        ModelState bad = what switch
        {
            "shape" => new([Normal(rng, "conv.weight", [3, 2, 2]), .. t.Skip(1)]),
            "name" => new([Normal(rng, "conv.weights", [2, 3, 2]), .. t.Skip(1)]),
            "dtype" => new([.. t.Take(2), NamedTensor.FromFloat32("bn.num_batches_tracked", [], [1f]), .. t.Skip(3)]),
            "count" => new([.. t.Take(4)]),
            "order" => new([t[1], t[0], .. t.Skip(2)]),
            "q8 scale" => new([.. t.Take(1), new NamedTensor("conv.bias", [2], TensorDType.QUInt8, new byte[2], new Quantization(float.NaN, 0)), .. t.Skip(2)]),
            _ => other,
        };
        weight = what switch
        {
            "weight nan" => double.NaN,
            "weight zero" => 0,
            "weight negative" => -3,
            "weight huge" => double.MaxValue,
            _ => weight,
        };

        // An update whose early tensors are fine and a later one is wrong must not half-apply.
        Assert.ThrowsAny<ArgumentException>(() => acc.Add(bad, weight));
        Assert.Equal(1, acc.Count);
        Assert.Equal(10, acc.TotalWeight);
        AssertSameState(before, acc.Complete());
    }

    [Fact]
    public void Complete_WithNothingAdded_Throws()
    {
        var acc = new WeightedAverageAccumulator(Small(new Random(24)));
        Assert.Throws<InvalidOperationException>(() => acc.Complete());
    }

    [Fact]
    public void Reset_StartsOver()
    {
        var rng = new Random(25);
        var acc = new WeightedAverageAccumulator(Small(rng));
        acc.Add(Small(rng), 7);
        acc.Reset();
        Assert.Equal(0, acc.Count);
        Assert.Equal(0, acc.TotalWeight);
        ModelState only = Small(rng);
        acc.Add(only, 3);
        AssertClose(only, acc.Complete(), 1e-6);
    }

    [Fact]
    public void FedAvg_BeginRoundDiscardsThePreviousRound()
    {
        var rng = new Random(26);
        var fedAvg = new FedAvgStrategy();
        Assert.Throws<InvalidOperationException>(() => fedAvg.Add(Small(rng), 1));

        ModelState layout = Small(rng);
        fedAvg.BeginRound(layout);
        fedAvg.Add(Small(rng), 4);
        fedAvg.BeginRound(layout);
        Assert.Equal(0, fedAvg.Count);
        Assert.Throws<InvalidOperationException>(() => fedAvg.Complete());

        var updates = new List<(ModelState, double)> { (Small(rng), 2), (Quantizer.Quantize(Small(rng)), 6) };
        foreach ((ModelState m, double w) in updates)
        {
            fedAvg.Add(m, w);
        }

        Assert.Equal(8, fedAvg.TotalWeight);
        AssertClose(Aggregate.WeightedMean(updates), fedAvg.Complete());

        // A new layout (e.g. a different model) gets new sums.
        ModelState mlp = Mlp(rng);
        fedAvg.BeginRound(mlp);
        fedAvg.Add(mlp, 1);
        AssertClose(mlp, fedAvg.Complete(), 1e-6);
    }

    [Theory]
    [InlineData(WeightedAverageAccumulator.MinSliceElements - 1)]   // one core
    [InlineData(2 * WeightedAverageAccumulator.MinSliceElements + 7)] // split, with a ragged end
    [InlineData(1_000_003)]                                            // split, accumulator kept in cache
    [InlineData((int)(ChunkedMultiplyAdd.CacheResidentBytes / sizeof(float)) + 17)] // split, accumulator too large to keep in cache
    public void LargeTensors_SplitAcrossCores_GiveExactlyTheOneCoreSums(int length)
    {
        var rng = new Random(length);
        float[][] updates = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray();
        double[] weights = [3, 1, 7];
        var accumulator = new WeightedAverageAccumulator(new ModelState([NamedTensor.FromFloat32("w", [length], new float[length])]));
        var sums = new float[length];
        for (int u = 0; u < updates.Length; u++)
        {
            accumulator.Add(new ModelState([NamedTensor.FromFloat32("w", [length], updates[u])]), weights[u]);
            for (int i = 0; i < length; i++)
            {
                sums[i] = MathF.FusedMultiplyAdd(updates[u][i], (float)weights[u], sums[i]);
            }
        }

        var expected = new float[length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(sums, (float)(1.0 / weights.Sum()), expected);
        Assert.Equal(expected, accumulator.Complete().Tensors[0].AsFloat32().ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(20)]
    public void AddRange_IsBitwiseTheSameAsAddingOneByOne(int count)
    {
        var rng = new Random(40 + count);
        ModelState layout = WithCounter(Mlp(rng), 0);
        var updates = new List<(ModelState Update, double Weight)>();
        for (int j = 0; j < count; j++)
        {
            ModelState m = WithCounter(Mlp(rng), rng.NextInt64(0, 1000));
            updates.Add((j % 3 == 1 ? Quantizer.Quantize(m) : m, rng.Next(1, 500)));
        }

        var oneByOne = new WeightedAverageAccumulator(layout);
        foreach ((ModelState m, double w) in updates)
        {
            oneByOne.Add(m, w);
        }

        var grouped = new WeightedAverageAccumulator(layout) { MaxThreads = 1 };
        grouped.AddRange(updates);

        Assert.Equal(oneByOne.Count, grouped.Count);
        Assert.Equal(oneByOne.TotalWeight, grouped.TotalWeight);
        ModelState a = oneByOne.Complete();
        ModelState b = grouped.Complete();
        for (int i = 0; i < a.Tensors.Count; i++)
        {
            Assert.Equal(a.Tensors[i].Data.ToArray(), b.Tensors[i].Data.ToArray());
        }

        AssertClose(Aggregate.WeightedMean(updates), b);
    }

    [Theory]
    [InlineData(2, 1, 10_001)]
    [InlineData(2, 2, (2 * WeightedAverageAccumulator.MinSliceElements) + 77)]
    [InlineData(11, 2, (2 * WeightedAverageAccumulator.MinSliceElements) + 5)]
    public void AddRange_OfQ8Updates_IsBitwiseTheSameAsAddingOneByOne(int count, int threads, int length)
    {
        var rng = new Random(count * length);
        var layout = new ModelState([Normal(rng, "w", [length], std: 0.1, mean: 0)]);
        var updates = Enumerable.Range(0, count)
            .Select(j => (Update: Quantizer.Quantize(new ModelState([Normal(rng, "w", [length], std: 0.1, mean: j - 1)])), Weight: (double)rng.Next(1, 500)))
            .ToList();
        var oneByOne = new WeightedAverageAccumulator(layout) { MaxThreads = threads };
        foreach ((ModelState m, double w) in updates)
        {
            oneByOne.Add(m, w);
        }

        var grouped = new WeightedAverageAccumulator(layout) { MaxThreads = threads };
        grouped.AddRange(updates);

        Assert.Equal(oneByOne.Complete().Tensors[0].Data.ToArray(), grouped.Complete().Tensors[0].Data.ToArray());
    }

    [Fact]
    public void AddRange_WithOneBadUpdate_ChangesNothing()
    {
        var rng = new Random(50);
        ModelState layout = Mlp(rng);
        var acc = new WeightedAverageAccumulator(layout);
        acc.Add(layout, 2);
        ModelState before = acc.Complete();

        var updates = Enumerable.Range(0, 10).Select(_ => (Mlp(rng), 1.0)).ToList();
        updates[9] = (updates[9].Item1, double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.AddRange(updates));
        updates[9] = (Small(rng), 1.0);
        Assert.Throws<ArgumentException>(() => acc.AddRange(updates));

        Assert.Equal(1, acc.Count);
        Assert.Equal(2, acc.TotalWeight);
        Assert.Equal(before.Tensors[0].Data.ToArray(), acc.Complete().Tensors[0].Data.ToArray());
    }

    [Fact]
    public void MaxThreads_BelowOne_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeightedAverageAccumulator(Mlp(new Random(1))) { MaxThreads = 0 });
}
