using EdgeFL.Core.Models;
using EdgeFL.Training.Data;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;
using TorchSharp;

namespace EdgeFL.Training.Tests.Managed;

/// <summary>
/// The managed forward and backward against TorchSharp on the same weights and batch. Tolerances: the loss within
/// 1e-5 relative; every gradient element within 1e-4 of the largest |gradient| of its tensor (float32 sums in another
/// order differ by a few ulps of the largest terms; a wrong formula is off by far more).
/// </summary>
public sealed class GradientOracleTests
{
    private const double LossTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(7)]
    public void Mlp_LossAndEveryGradient_MatchTorch(int batch)
    {
        using var torchModel = new EdgeMlp(dropout: 0); // same tensors as ModelFactory's MLP; dropout off on both sides
        torchModel.train();
        ManagedNetwork network = ManagedArchitectures.Mlp(new Random(1), dropout: 0);
        network.Load(ModelStateConverter.ToModelState(torchModel));
        LabeledDataset data = TorchOracle.RandomData(batch, 784, 10, seed: batch);

        AssertSame(TorchOracle.LossAndGrads(torchModel, data), TorchOracle.LossAndGrads(network, data), network);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(5)]
    public void MobileNet_LossAndEveryGradient_MatchTorch_TrainingModeBatchNorm(int batch)
    {
        using var torchModel = ModelFactory.Create(ModelKind.MobileNet, seed: 2);
        torchModel.train();
        ManagedNetwork network = ManagedArchitectures.MobileNet(new Random(1));
        network.Load(ModelStateConverter.ToModelState(torchModel));
        LabeledDataset data = TorchOracle.RandomData(batch, 784, 10, seed: 100 + batch);

        AssertSame(TorchOracle.LossAndGrads(torchModel, data), TorchOracle.LossAndGrads(network, data), network);

        // The forward in training mode moved every batch norm's running statistics the same way.
        ModelState torchState = ModelStateConverter.ToModelState(torchModel), managedState = network.ToState();
        foreach (NamedTensor t in torchState.Tensors.Where(t => t.Name.Contains("running_", StringComparison.Ordinal)))
        {
            var (diff, reference) = TorchOracle.Compare(managedState.Tensors.Single(m => m.Name == t.Name).AsFloat32(), t.AsFloat32());
            Assert.True(diff <= 1e-5 * Math.Max(1, reference), $"{t.Name}: off by {diff:E2}");
        }

        Assert.All(managedState.Tensors.Where(t => t.DType == TensorDType.Int64), t => Assert.Equal(1L, t.AsInt64()[0]));
    }

    [Theory]
    [InlineData(8, 4)]
    [InlineData(16, 8)]
    public void SmallMobileNet_LossAndEveryGradient_MatchTorch(int size, int batch)
    {
        torch.manual_seed(9);
        using var torchModel = new MobileNetTiny(inputChannels: 1, height: size, width: size, classes: 3);
        torchModel.train();
        ManagedNetwork network = ManagedArchitectures.MobileNet(new Random(1), inputChannels: 1, height: size, width: size, classes: 3);
        network.Load(ModelStateConverter.ToModelState(torchModel));
        LabeledDataset data = TorchOracle.RandomData(batch, size * size, 3, seed: 11);

        AssertSame(TorchOracle.LossAndGrads(torchModel, data), TorchOracle.LossAndGrads(network, data), network);
    }

    [Fact]
    public void MobileNet_EvalModeLogits_MatchTorch_WithTrainedRunningStats()
    {
        using var torchModel = ModelFactory.Create(ModelKind.MobileNet, seed: 4);
        LocalTrainer.Train(torchModel, TorchOracle.RandomData(96, 784, 10, seed: 5), new TrainerOptions { Seed = 1 });
        ManagedNetwork network = ManagedArchitectures.MobileNet(new Random(1));
        network.Load(ModelStateConverter.ToModelState(torchModel));
        LabeledDataset data = TorchOracle.RandomData(8, 784, 10, seed: 6);

        torchModel.eval();
        using var noGrad = torch.no_grad();
        using var x = torch.tensor(data.Features, [8, 784]);
        using var logits = torchModel.forward(x);
        float[] expected = logits.data<float>().ToArray();
        data.Features.AsSpan().CopyTo(network.InputBuffer(8));
        network.Forward(8, training: false);
        var (diff, reference) = TorchOracle.Compare(network.Logits(8), expected);
        Assert.True(diff <= 1e-4 * reference, $"eval logits off by {diff:E2} (largest {reference:E2})");
    }

    private static void AssertSame((float Loss, Dictionary<string, float[]> Grads) torch, (float Loss, Dictionary<string, float[]> Grads) managed, ManagedNetwork network)
    {
        Assert.True(Math.Abs(managed.Loss - torch.Loss) <= LossTolerance * Math.Abs(torch.Loss), $"loss {managed.Loss} vs torch {torch.Loss}");
        Assert.Equal(torch.Grads.Keys.Order(StringComparer.Ordinal), network.Parameters.Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var (name, expected) in torch.Grads)
        {
            var (diff, reference) = TorchOracle.Compare(managed.Grads[name], expected);
            Assert.True(reference > 0, $"{name}: torch's gradient is all zero, the check would prove nothing");
            Assert.True(diff <= GradientTolerance * reference, $"{name}: gradient off by {diff:E2} (largest {reference:E2})");
        }
    }
}
