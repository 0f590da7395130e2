using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;
using EdgeFL.Tests.Shared;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Validation;

/// <summary>The update norm bound (Gateway:Updates:MaxUpdateNorm, Cloud:MaxUploadNorm) and the distance and scaled adds under it.</summary>
public class UpdateNormBoundTests
{
    /// <summary>reference + factor x (update - reference) on float tensors, computed in double; int64 unchanged.</summary>
    private static ModelState ReferenceScale(ModelState reference, ModelState update, double factor) =>
        new(update.Tensors.Select((t, i) => t.DType.Logical() != TensorDType.Float32
            ? t
            : NamedTensor.FromFloat32(t.Name, t.Shape, Quantizer.Dequantize(reference.Tensors[i]).AsFloat32().ToArray()
                .Zip(Quantizer.Dequantize(t).AsFloat32().ToArray(), (r, u) => (float)(r + (factor * (u - r)))).ToArray())).ToArray());

    /// <summary>Float32 chunk sums carry about 1e-7 relative error.</summary>
    private static void AssertRelative(double expected, double actual, double relative = 1e-6) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected), $"expected {expected}, got {actual}");

    private static void AssertClose(ModelState expected, ModelState actual, double tolerance)
    {
        Assert.True(expected.HasSameLayout(actual));
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            NamedTensor e = Quantizer.Dequantize(expected.Tensors[i]);
            NamedTensor a = Quantizer.Dequantize(actual.Tensors[i]);
            if (e.DType == TensorDType.Int64)
            {
                Assert.Equal(e.AsInt64().ToArray(), a.AsInt64().ToArray());
                continue;
            }

            float[] ev = e.AsFloat32().ToArray();
            float[] av = a.AsFloat32().ToArray();
            for (int k = 0; k < ev.Length; k++)
            {
                Assert.True(Math.Abs(ev[k] - av[k]) <= tolerance * Math.Max(1, Math.Abs(ev[k])), $"'{e.Name}'[{k}]: expected {ev[k]}, got {av[k]}");
            }
        }
    }

    [Fact]
    public void Distance_MatchesAReference_AcrossChunks_AndForQuantizedModels()
    {
        var a = Mlp(new Random(1));
        var b = Mlp(new Random(2));
        AssertRelative(ModelOracle.Distance(a, b), ModelDistance.L2(a, b));
        var q = Quantizer.Quantize(a);
        AssertRelative(ModelOracle.Distance(q, b), ModelDistance.L2(q, b));
        AssertRelative(ModelOracle.Distance(b, q), ModelDistance.L2(b, q));
        Assert.Equal(0, ModelDistance.L2(a, a));
    }

    [Fact]
    public void Distance_OfHugeFiniteValues_IsFinite_WhereAFloatSumWouldOverflow()
    {
        var zero = Small(new Random(3));
        var huge = new ModelState(zero.Tensors.Select(t => t.DType == TensorDType.Float32
            ? NamedTensor.FromFloat32(t.Name, t.Shape, Enumerable.Repeat(3e38f, (int)t.ElementCount).ToArray())
            : t).ToArray());
        double norm = ModelDistance.L2(huge, zero);
        Assert.True(double.IsFinite(norm));
        AssertRelative(ModelOracle.Distance(huge, zero), norm);
    }

    [Fact]
    public void Norm_IsTheDistanceFromZero_F32AndQ8_IntegersLeftOut()
    {
        var a = Mlp(new Random(7));
        var zero = new ModelState(a.Tensors.Select(t => new NamedTensor(t.Name, t.Shape, t.DType, new byte[t.Data.Length], t.Quantization)).ToArray());
        AssertRelative(ModelOracle.Distance(a, zero), ModelDistance.Norm(a));
        var q = Quantizer.Quantize(a);
        AssertRelative(ModelOracle.Distance(q, zero), ModelDistance.Norm(q));
        Assert.Equal(0, ModelDistance.Norm(new ModelState([NamedTensor.FromInt64("count", [2], [5L, 6L])])));
        Assert.Equal(5, ModelDistance.Norm(new ModelState([NamedTensor.FromFloat32("w", [2], [3f, -4f])])));
    }

    [Fact]
    public void Distance_RefusesModelsOfAnotherLayout()
    {
        Assert.Throws<ArgumentException>(() => ModelDistance.L2(Small(new Random(4)), Mlp(new Random(4))));
    }

    [Fact]
    public void Bound_Off_AcceptsAnything_Unscaled()
    {
        var bound = new UpdateNormBound(0, NormPolicy.Reject);
        Assert.True(bound.Check(Mlp(new Random(5)), Mlp(new Random(6)), out _, out double scale).IsAccepted);
        Assert.Equal(1, scale);
    }

    [Theory]
    [InlineData(NormPolicy.Clip)]
    [InlineData(NormPolicy.Reject)]
    public void Bound_WithinIt_AcceptsUnscaled(NormPolicy policy)
    {
        var reference = Mlp(new Random(7));
        var update = Mlp(new Random(8));
        double norm = ModelOracle.Distance(update, reference);
        var verdict = new UpdateNormBound(norm * 1.001, policy).Check(update, reference, out double measured, out double scale);
        Assert.True(verdict.IsAccepted);
        Assert.Equal(1, scale);
        AssertRelative(norm, measured);
    }

    [Fact]
    public void Bound_Reject_RefusesALongerChange_WithItsOwnReason()
    {
        var reference = Mlp(new Random(9));
        var update = Mlp(new Random(10));
        var verdict = new UpdateNormBound(1.0, NormPolicy.Reject).Check(update, reference, out double norm, out _);
        Assert.False(verdict.IsAccepted);
        Assert.Equal(RejectReason.NormTooLarge, verdict.Reason);
        Assert.Contains("> 1", verdict.Detail, StringComparison.Ordinal);
        Assert.True(norm > 1);
    }

    [Fact]
    public void Bound_Clip_ScalesALongerChange_ToExactlyTheBound()
    {
        var reference = Mlp(new Random(11));
        var update = Mlp(new Random(12));
        var verdict = new UpdateNormBound(2.0, NormPolicy.Clip).Check(update, reference, out double norm, out double scale);
        Assert.True(verdict.IsAccepted);
        AssertRelative(2.0 / ModelOracle.Distance(update, reference), scale);
        AssertRelative(2.0, ModelOracle.Distance(ReferenceScale(reference, update, scale), reference), 1e-4);
    }

    [Fact]
    public void Bound_Problems_NameTheKeys()
    {
        var problems = UpdateNormBound.Problems(-1, (NormPolicy)7, "Gateway:Updates:MaxUpdateNorm", "Gateway:Updates:NormPolicy").ToArray();
        Assert.Equal(2, problems.Length);
        Assert.StartsWith("Gateway:Updates:MaxUpdateNorm", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("Gateway:Updates:NormPolicy", problems[1], StringComparison.Ordinal);
        Assert.Single(UpdateNormBound.Problems(double.NaN, NormPolicy.Clip, "a", "b"));
        Assert.Single(UpdateNormBound.Problems(double.PositiveInfinity, NormPolicy.Clip, "a", "b"));
        Assert.Empty(UpdateNormBound.Problems(0, NormPolicy.Reject, "a", "b"));
    }

    public static TheoryData<AggregationRule> Strategies => new() { AggregationRule.FedAvg, AggregationRule.Median, AggregationRule.TrimmedMean };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void ScaledAdd_EqualsAddingTheScaledModel_ForEveryStrategy(AggregationRule name)
    {
        var reference = Small(new Random(20));
        var updates = Enumerable.Range(0, 5).Select(i => (Model: Small(new Random(30 + i)), Weight: 10.0 * (i + 1), Scale: 1.0 / (i + 1))).ToArray();
        var scaled = new AggregationOptions { Strategy = name }.CreateStrategy();
        var plain = new AggregationOptions { Strategy = name }.CreateStrategy();
        scaled.BeginRound(reference);
        plain.BeginRound(reference);
        foreach (var (model, weight, scale) in updates)
        {
            scaled.Add(model, weight, scale);
            plain.Add(ReferenceScale(reference, model, scale), weight);
        }

        AssertClose(plain.Complete(), scaled.Complete(), 1e-5);
    }

    [Fact]
    public void ScaledAdd_OfQuantizedUpdates_AroundAQuantizedReference_MatchesTheReference()
    {
        var reference = Quantizer.Quantize(Mlp(new Random(40)));
        var updates = Enumerable.Range(0, 3).Select(i => Quantizer.Quantize(Mlp(new Random(41 + i)))).ToArray();
        var strategy = new FedAvgStrategy();
        strategy.BeginRound(reference);
        for (int i = 0; i < updates.Length; i++)
        {
            strategy.Add(updates[i], 100, 0.25 * (i + 1));
        }

        var expected = Aggregate.WeightedMean(updates.Select((u, i) => (ReferenceScale(reference, u, 0.25 * (i + 1)), 100.0)).ToArray());
        AssertClose(expected, strategy.Complete(), 1e-4);
    }

    [Fact]
    public void ScaledAdd_FollowsTheNewRoundsModel_WhenTheAccumulatorIsReused()
    {
        var strategy = new FedAvgStrategy();
        strategy.BeginRound(Small(new Random(50)));
        strategy.Add(Small(new Random(51)), 1, 0.5);
        strategy.Complete();
        var second = Small(new Random(52));
        var update = Small(new Random(53));
        strategy.BeginRound(second);
        strategy.Add(update, 1, 0.5);
        AssertClose(ReferenceScale(second, update, 0.5), strategy.Complete(), 1e-5);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ScaledAdd_RefusesAScaleOutsideZeroToOne(double scale)
    {
        foreach (var name in new[] { AggregationRule.FedAvg, AggregationRule.Median })
        {
            var strategy = new AggregationOptions { Strategy = name }.CreateStrategy();
            strategy.BeginRound(Small(new Random(60)));
            Assert.Throws<ArgumentOutOfRangeException>(() => strategy.Add(Small(new Random(61)), 1, scale));
            Assert.Equal(0, strategy.Count);
        }
    }
}
