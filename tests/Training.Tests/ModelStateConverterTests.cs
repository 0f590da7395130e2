using EdgeFL.Core.Models;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Tests;

public sealed class ModelStateConverterTests
{
    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.MobileNet)]
    public void RoundTrip_IsBitExact_WithBatchNormBuffers(ModelKind kind)
    {
        using var trained = ModelFactory.Create(kind, seed: 1);
        LocalTrainer.Train(trained, RandomData(64, seed: 2), new TrainerOptions { BatchSize = 16, Seed = 3 });
        ModelState state = ModelStateConverter.ToModelState(trained);

        using var fresh = ModelFactory.Create(kind, seed: 99);
        ModelStateConverter.Load(fresh, state);
        ModelState reloaded = ModelStateConverter.ToModelState(fresh);

        Assert.True(state.HasSameLayout(reloaded));
        for (int i = 0; i < state.Tensors.Count; i++)
        {
            Assert.True(state.Tensors[i].Data.Span.SequenceEqual(reloaded.Tensors[i].Data.Span), $"tensor {state.Tensors[i].Name} differs");
        }

        if (kind == ModelKind.MobileNet)
        {
            // Four training steps: every BatchNorm counted them, and its running stats moved off the init values.
            NamedTensor counter = state.Tensors.Single(t => t.Name == "features.1.num_batches_tracked");
            Assert.Equal(TensorDType.Int64, counter.DType);
            Assert.Empty(counter.Shape);
            Assert.Equal(4L, counter.AsInt64()[0]);
            Assert.Equal(6, state.Tensors.Count(t => t.Name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)));
            Assert.Contains(state.Tensors.Single(t => t.Name == "features.1.running_mean").AsFloat32().ToArray(), v => v != 0f);
        }
    }

    [Fact]
    public void RoundTrip_ReloadedModelPredictsIdentically()
    {
        var data = RandomData(32, seed: 4);
        using var a = ModelFactory.Create(ModelKind.MobileNet, seed: 1);
        LocalTrainer.Train(a, data, new TrainerOptions { Seed = 1 });
        using var b = ModelFactory.Create(ModelKind.MobileNet, seed: 2);
        ModelStateConverter.Load(b, ModelStateConverter.ToModelState(a));
        Assert.Equal(Evaluator.Predict(a, data.Features, data.Count), Evaluator.Predict(b, data.Features, data.Count));
    }

    [Fact]
    public void Load_WrongShape_ThrowsNamingTensor_AndLeavesModelUnchanged()
    {
        using var wide = new EdgeMlp(hiddenDims: [64, 16]);
        using var target = new EdgeMlp();
        ModelState before = ModelStateConverter.ToModelState(target);

        var ex = Assert.Throws<ArgumentException>(() => ModelStateConverter.Load(target, ModelStateConverter.ToModelState(wide)));
        Assert.Contains("'net.0.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[64, 784]", ex.Message, StringComparison.Ordinal);

        ModelState after = ModelStateConverter.ToModelState(target);
        Assert.True(before.Tensors.Zip(after.Tensors).All(p => p.First.Data.Span.SequenceEqual(p.Second.Data.Span)));
    }

    [Fact]
    public void Load_UnknownName_ThrowsNamingTensor()
    {
        using var target = new EdgeMlp();
        var tensors = ModelStateConverter.ToModelState(target).Tensors.ToList();
        tensors[5] = NamedTensor.FromFloat32("net.7.bias", [10], new float[10]);
        var ex = Assert.Throws<ArgumentException>(() => ModelStateConverter.Load(target, new ModelState(tensors)));
        Assert.Contains("'net.7.bias'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StateLackingATensor_ThrowsNamingIt()
    {
        using var target = new EdgeMlp();
        var tensors = ModelStateConverter.ToModelState(target).Tensors.Take(5).ToList();
        var ex = Assert.Throws<ArgumentException>(() => ModelStateConverter.Load(target, new ModelState(tensors)));
        Assert.Contains("'net.6.bias'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongDType_ThrowsNamingTensor()
    {
        using var target = new MobileNetTiny();
        var tensors = ModelStateConverter.ToModelState(target).Tensors
            .Select(t => t.Name == "features.1.num_batches_tracked" ? NamedTensor.FromFloat32(t.Name, [], [0f]) : t)
            .ToList();
        var ex = Assert.Throws<ArgumentException>(() => ModelStateConverter.Load(target, new ModelState(tensors)));
        Assert.Contains("'features.1.num_batches_tracked' is f32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_QuantizedTensor_ThrowsAskingToDequantize()
    {
        using var target = new EdgeMlp();
        var tensors = ModelStateConverter.ToModelState(target).Tensors.ToList();
        tensors[1] = new NamedTensor("net.0.bias", [32], TensorDType.QUInt8, new byte[32], new Quantization(0.1f, 128));
        var ex = Assert.Throws<ArgumentException>(() => ModelStateConverter.Load(target, new ModelState(tensors)));
        Assert.Contains("'net.0.bias'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dequantize", ex.Message, StringComparison.Ordinal);
    }

    internal static LabeledDataset RandomData(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * 784];
        var labels = new byte[count];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = (byte)random.Next(10);
        }

        return new LabeledDataset(features, labels, 784, 10);
    }
}
