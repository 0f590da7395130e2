using System.Buffers;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Aggregation;

/// <summary>Median, trimmed mean and norm clipping, each against a straightforward reference computed in double.</summary>
public class RobustStrategyTests
{
    private static ModelState[] Models(int seed, int count) =>
        Enumerable.Range(0, count).Select(i => Small(new Random(seed + i))).ToArray();

    /// <summary>Per coordinate, the values of all models as doubles (q8 dequantized), and the reduction of them.</summary>
    private static ModelState Reference(IReadOnlyList<ModelState> models, Func<double[], double> reduce)
    {
        ModelState layout = models[0];
        var result = new NamedTensor[layout.Tensors.Count];
        for (int i = 0; i < result.Length; i++)
        {
            NamedTensor l = layout.Tensors[i];
            var columns = models.Select(m => Values(m.Tensors[i])).ToArray();
            var reduced = Enumerable.Range(0, (int)l.ElementCount).Select(j => reduce(columns.Select(c => c[j]).ToArray())).ToArray();
            result[i] = l.DType.Logical() == TensorDType.Float32
                ? NamedTensor.FromFloat32(l.Name, l.Shape, reduced.Select(v => (float)v).ToArray())
                : NamedTensor.FromInt64(l.Name, l.Shape, reduced.Select(v => (long)Math.Round(v, MidpointRounding.ToEven)).ToArray());
        }

        return new ModelState(result);
    }

    private static double[] Values(NamedTensor t) => t.DType switch
    {
        TensorDType.Float32 => t.AsFloat32().ToArray().Select(v => (double)v).ToArray(),
        TensorDType.Int64 => t.AsInt64().ToArray().Select(v => (double)v).ToArray(),
        _ => t.Data.ToArray().Select(b => (double)t.Quantization!.Value.Scale * (b - t.Quantization.Value.ZeroPoint)).ToArray(),
    };

    private static double ReferenceMedian(double[] v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    private static double ReferenceTrimmedMean(double[] v, double beta)
    {
        int b = (int)Math.Floor(beta * v.Length);
        return v.OrderBy(x => x).Skip(b).Take(v.Length - (2 * b)).Average();
    }

    private static void AssertClose(ModelState expected, ModelState actual, double tolerance = 1e-5)
    {
        Assert.True(expected.HasSameLayout(actual));
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            double[] e = Values(expected.Tensors[i]);
            double[] a = Values(actual.Tensors[i]);
            for (int k = 0; k < e.Length; k++)
            {
                Assert.True(Math.Abs(e[k] - a[k]) <= tolerance * Math.Max(1, Math.Abs(e[k])), $"'{expected.Tensors[i].Name}'[{k}]: expected {e[k]}, got {a[k]}");
            }
        }
    }

    private static ModelState Run(IAggregationStrategy strategy, ModelState layout, IEnumerable<(ModelState Model, double Weight)> updates)
    {
        strategy.BeginRound(layout);
        foreach (var (model, weight) in updates)
        {
            strategy.Add(model, weight);
        }

        return strategy.Complete();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(6)]
    public void Median_MatchesReference_ForOddAndEvenCounts(int count)
    {
        var models = Models(100, count);
        var actual = Run(new CoordinateMedianStrategy(), models[0], models.Select((m, i) => (m, (double)(i + 1))));
        AssertClose(Reference(models, ReferenceMedian), actual);
    }

    [Fact]
    public void Median_IgnoresAMinorityOfHostileUpdates()
    {
        var honest = Enumerable.Range(0, 4).Select(i => Filled(1f + (0.01f * i))).ToArray();
        var hostile = Filled(1e6f);
        var actual = Run(new CoordinateMedianStrategy(), honest[0], [.. honest.Select(m => (m, 1.0)), (hostile, 1000.0)]);
        Assert.All(actual.Tensors[0].AsFloat32().ToArray(), v => Assert.InRange(v, 1f, 1.04f));
    }

    [Theory]
    [InlineData(0.0, 5)]
    [InlineData(0.2, 7)]
    [InlineData(0.45, 10)]
    public void TrimmedMean_MatchesReference(double beta, int count)
    {
        var models = Models(200, count);
        var actual = Run(new TrimmedMeanStrategy(beta), models[0], models.Select(m => (m, 10.0)));
        AssertClose(Reference(models, v => ReferenceTrimmedMean(v, beta)), actual);
    }

    [Fact]
    public void TrimmedMean_WithoutTrimming_IsTheUnweightedMean()
    {
        var models = Models(300, 4);
        var actual = Run(new TrimmedMeanStrategy(0), models[0], models.Select(m => (m, 1.0)));
        AssertClose(Aggregate.WeightedMean(models.Select(m => (m, 1.0)).ToArray()), actual);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void TrimmedMean_RejectsATrimFractionOutsideTheRange(double beta) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMeanStrategy(beta));

    [Fact]
    public void Robust_DequantizesQ8Updates()
    {
        var models = Enumerable.Range(0, 5).Select(i => Quantizer.Quantize(Mlp(new Random(400 + i)))).ToArray();
        var actual = Run(new CoordinateMedianStrategy(), models[0], models.Select(m => (m, 1.0)));
        AssertClose(Reference(models, ReferenceMedian), actual);
        Assert.All(actual.Tensors, t => Assert.Equal(TensorDType.Float32, t.DType));
    }

    [Fact]
    public void Robust_RefusesUpdatesBeyondItsBound_AndKeepsTheRound()
    {
        var models = Models(500, 3);
        var strategy = new CoordinateMedianStrategy(maxUpdates: 2);
        strategy.BeginRound(models[0]);
        strategy.Add(models[0], 1);
        strategy.Add(models[1], 2);
        Assert.Throws<InvalidOperationException>(() => strategy.Add(models[2], 3));
        Assert.Equal((2, 3.0), (strategy.Count, strategy.TotalWeight));
        AssertClose(Reference(models[..2], ReferenceMedian), strategy.Complete());
    }

    [Fact]
    public void Robust_RejectsAnotherLayoutOrABadWeight_AndKeepsTheRound()
    {
        var models = Models(600, 2);
        var strategy = new TrimmedMeanStrategy(0.1);
        strategy.BeginRound(models[0]);
        strategy.Add(models[0], 1);
        Assert.Throws<ArgumentException>(() => strategy.Add(Mlp(new Random(1)), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => strategy.Add(models[1], double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => strategy.Add(models[1], 0));
        Assert.Equal(1, strategy.Count);
    }

    [Fact]
    public void Robust_NewRound_ForgetsTheLastOne_AndCompleteWithoutUpdatesThrows()
    {
        var models = Models(700, 3);
        var strategy = new CoordinateMedianStrategy();
        Run(strategy, models[0], models.Select(m => (m, 1.0)));
        strategy.BeginRound(models[0]);
        Assert.Throws<InvalidOperationException>(strategy.Complete);
        strategy.Add(models[2], 1);
        AssertClose(models[2], strategy.Complete());
    }

    /// <summary>Reference clipping: per update, delta = u - current over all float coordinates; scale it to maxNorm if longer.</summary>
    private static ModelState ReferenceClip(ModelState current, ModelState update, double maxNorm)
    {
        var c = current.Tensors.Select(Values).ToArray();
        var u = update.Tensors.Select(Values).ToArray();
        bool[] isFloat = current.Tensors.Select(t => t.DType.Logical() == TensorDType.Float32).ToArray();
        double norm = Math.Sqrt(Enumerable.Range(0, c.Length).Where(i => isFloat[i]).Sum(i => c[i].Zip(u[i], (a, b) => (b - a) * (b - a)).Sum()));
        double factor = norm > maxNorm ? maxNorm / norm : 1;
        return new ModelState(update.Tensors.Select((t, i) => isFloat[i]
            ? NamedTensor.FromFloat32(t.Name, t.Shape, c[i].Zip(u[i], (a, b) => (float)(a + (factor * (b - a)))).ToArray())
            : t).ToArray());
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    [InlineData(1e9)]
    public void NormClipping_WithFedAvg_MatchesClippingThenWeightedMean(double maxNorm)
    {
        var rng = new Random(800);
        var current = Small(rng);
        var updates = Enumerable.Range(0, 6).Select(i => (Model: Small(new Random(810 + i)), Weight: (double)(i + 1))).ToArray();
        var strategy = new NormClippingStrategy(new FedAvgStrategy(), maxNorm);
        var actual = Run(strategy, current, updates);
        var expected = Aggregate.WeightedMean(updates.Select(x => (ReferenceClip(current, x.Model, maxNorm), x.Weight)).ToArray());
        AssertClose(expected, actual);
        Assert.Equal(maxNorm >= 1e9 ? 0 : 6, strategy.ClippedCount);
    }

    [Fact]
    public void NormClipping_ALongDelta_EndsExactlyAtTheBound()
    {
        var current = Filled(0f);
        var strategy = new NormClippingStrategy(new FedAvgStrategy(), 2.0);
        var result = Run(strategy, current, [(Filled(100f), 5.0)]);
        double norm = Math.Sqrt(result.Tensors.Where(t => t.DType == TensorDType.Float32).Sum(t => t.AsFloat32().ToArray().Sum(v => (double)v * v)));
        Assert.Equal(2.0, norm, 4);
    }

    [Fact]
    public void NormClipping_ReusesItsScratch_WithoutCorruptingAnInnerStrategyThatKeepsUpdates()
    {
        var current = Small(new Random(900));
        var updates = Enumerable.Range(0, 5).Select(i => Quantizer.Quantize(Small(new Random(910 + i)))).ToArray();
        var actual = Run(new NormClippingStrategy(new CoordinateMedianStrategy(), 0.7), current, updates.Select(m => (m, 1.0)));
        AssertClose(Reference(updates.Select(u => ReferenceClip(current, u, 0.7)).ToArray(), ReferenceMedian), actual, 1e-4);
    }

    [Fact]
    public void NormClipping_RejectsNaN_AndABadBound()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NormClippingStrategy(new FedAvgStrategy(), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NormClippingStrategy(new FedAvgStrategy(), double.PositiveInfinity));
        var strategy = new NormClippingStrategy(new FedAvgStrategy(), 1);
        strategy.BeginRound(Filled(0f));
        Assert.Throws<ArgumentException>(() => strategy.Add(Filled(float.NaN), 1));
        Assert.Equal(0, strategy.Count);
    }

    public static TheoryData<string, bool> StrategiesAndDTypes()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in new[] { "fedavg", "median", "trimmed-mean", "clipped-median", "clipped-fedavg" })
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    private static IAggregationStrategy Create(string name) => name switch
    {
        "fedavg" => new FedAvgStrategy(),
        "median" => new CoordinateMedianStrategy(),
        "trimmed-mean" => new TrimmedMeanStrategy(0.2),
        "clipped-median" => new NormClippingStrategy(new CoordinateMedianStrategy(), 0.7),
        "clipped-fedavg" => new NormClippingStrategy(new FedAvgStrategy(), 0.7),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>
    /// The lifetime contract of <see cref="IAggregationStrategy.Add(ModelState, double)"/>: the update is lent for the
    /// call only. Each update is decoded zero-copy from one receive buffer that is reused for the next message
    /// (as a broker's receive path may) and finally overwritten with NaN bytes; the result must equal that of the
    /// same updates added from buffers of their own. A strategy that kept the decoded update (its tensors borrow
    /// the buffer) would aggregate the last message's bytes, or NaN, instead.
    /// </summary>
    [Theory]
    [MemberData(nameof(StrategiesAndDTypes))]
    public void Strategies_DoNotKeepTheUpdate_WhoseBufferIsReusedAfterAddReturns(string name, bool quantized)
    {
        var current = Small(new Random(1000));
        var models = Enumerable.Range(0, 5)
            .Select(i => Small(new Random(1010 + i)))
            .Select(m => quantized ? Quantizer.Quantize(m) : m)
            .ToArray();
        var expected = Run(Create(name), current, models.Select((m, i) => (m, (double)(i + 1))));

        var payloads = models.Select((m, i) => WireCodec.Encode(Update(m, $"dev-{i}", samples: 100 + i))).ToArray();
        var receive = new byte[payloads.Max(p => p.Length)];
        var strategy = Create(name);
        strategy.BeginRound(current);
        for (int i = 0; i < payloads.Length; i++)
        {
            Array.Fill(receive, (byte)0xFF);
            payloads[i].CopyTo(receive, 0);
            Assert.True(WireCodec.TryDecodeUpdate(new ReadOnlySequence<byte>(receive, 0, payloads[i].Length), DecodeLimits.Default, out var update, out var error), error.ToString());
            strategy.Add(update!.Model, i + 1);
        }

        Array.Fill(receive, (byte)0xFF); // every float the buffer held is now NaN
        AssertClose(expected, strategy.Complete(), 0);
    }

    private static ModelState Filled(float value) => new(
    [
        NamedTensor.FromFloat32("w", [2, 3], Enumerable.Repeat(value, 6).ToArray()),
        NamedTensor.FromFloat32("b", [2], [value, -value]),
        NamedTensor.FromInt64("steps", [], [7]),
    ]);
}
