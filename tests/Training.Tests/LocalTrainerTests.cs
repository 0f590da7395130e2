using EdgeFL.Training.Data;
using EdgeFL.Training.Models;
using EdgeFL.Training.Tests.Data;

namespace EdgeFL.Training.Tests;

[Collection(FashionMnistCollection.Name)]
public sealed class LocalTrainerTests(FashionMnistFixture fixture)
{
    [Fact]
    public void Train_MlpOnRealData_ReachesWellAboveChanceOnTestSet()
    {
        TorchRuntime.Configure(1);
        LabeledDataset train = fixture.Splits.Train.Take(2_000);
        LabeledDataset test = fixture.Splits.Test.Take(1_000);
        using var model = ModelFactory.Create(ModelKind.Mlp, seed: 1);
        double before = Evaluator.Accuracy(model, test);

        TrainingResult first = LocalTrainer.Train(model, train, new TrainerOptions { Epochs = 1, Seed = 1 });
        TrainingResult next = LocalTrainer.Train(model, train, new TrainerOptions { Epochs = 2, Seed = 2 });
        double after = Evaluator.Accuracy(model, test);

        Assert.Equal(2_000, first.SampleCount);
        Assert.True(next.MeanLoss < first.MeanLoss, $"loss {first.MeanLoss:F3} then {next.MeanLoss:F3}");
        Assert.InRange(before, 0.0, 0.3);
        Assert.True(after > 0.6, $"test accuracy {after:F3}");
        Assert.True(model.training);
    }

    [Fact]
    public void Train_SameSeedAndWeights_GiveSameResultWithoutDropoutNoise()
    {
        // Dropout draws from libtorch's global generator, so compare with dropout off.
        LabeledDataset data = fixture.Splits.Train.Take(256);
        using var a = new EdgeMlp(dropout: 0);
        using var b = new EdgeMlp(dropout: 0);
        ModelStateConverter.Load(b, ModelStateConverter.ToModelState(a));
        var options = new TrainerOptions { Seed = 11, Momentum = 0.9 };
        Assert.Equal(LocalTrainer.Train(a, data, options).MeanLoss, LocalTrainer.Train(b, data, options).MeanLoss);
    }

    [Fact]
    public void Train_WithTheProximalTerm_StaysCloserToTheRoundsModel_AndMatchesItsHandComputedStep()
    {
        LabeledDataset data = fixture.Splits.Train.Take(512);
        using var start = new EdgeMlp(dropout: 0);
        var initial = ModelStateConverter.ToModelState(start);
        double Moved(double mu, int batchSize, out Core.Models.ModelState after)
        {
            using var model = new EdgeMlp(dropout: 0);
            ModelStateConverter.Load(model, initial);
            LocalTrainer.Train(model, data, new TrainerOptions { Seed = 3, LearningRate = 0.05, BatchSize = batchSize, ProximalMu = mu });
            after = ModelStateConverter.ToModelState(model);
            return Core.Models.ModelDistance.L2(after, initial);
        }

        // The term's gradient mu (w - w_start) is zero on the first step and pulls back on every later one.
        Assert.True(Moved(1.0, 16, out _) < 0.9 * Moved(0, 16, out _));

        // Two full-batch steps, by hand: w1 = w0 - lr g0; w2 = w1 - lr (g1 + mu (w1 - w0)). With one batch of all the
        // data, the plain run's second gradient is the same g1, so w2(mu) = w2(0) - lr mu (w1 - w0) = w2(0) + lr^2 mu g0.
        LabeledDataset two = data.Take(64);
        using var probe = new EdgeMlp(dropout: 0);
        ModelStateConverter.Load(probe, initial);
        LocalTrainer.Train(probe, two, new TrainerOptions { Seed = 3, LearningRate = 0.05, BatchSize = 64 });
        var w1 = ModelStateConverter.ToModelState(probe);
        Core.Models.ModelState TwoSteps(double mu)
        {
            using var model = new EdgeMlp(dropout: 0);
            ModelStateConverter.Load(model, initial);
            LocalTrainer.Train(model, two, new TrainerOptions { Seed = 3, LearningRate = 0.05, BatchSize = 64, Epochs = 2, ProximalMu = mu });
            return ModelStateConverter.ToModelState(model);
        }

        var plain = TwoSteps(0);
        var prox = TwoSteps(2.0);
        for (int t = 0; t < initial.Tensors.Count; t++)
        {
            var w0 = initial.Tensors[t].AsFloat32();
            var one = w1.Tensors[t].AsFloat32();
            var p = plain.Tensors[t].AsFloat32();
            var q = prox.Tensors[t].AsFloat32();
            for (int i = 0; i < w0.Length; i += 97)
            {
                Assert.Equal(p[i] - (0.05f * 2.0f * (one[i] - w0[i])), q[i], 5);
            }
        }
    }

    [Fact]
    public void Train_CancelledToken_StopsBeforeTheNextBatch()
    {
        using var model = ModelFactory.Create(ModelKind.Mlp, seed: 1);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => LocalTrainer.Train(model, fixture.Splits.Train.Take(64), new TrainerOptions(), cts.Token));
    }

    [Fact]
    public void Predict_ReturnsOneClassPerSample()
    {
        using var model = ModelFactory.Create(ModelKind.Mlp, seed: 1);
        LabeledDataset batch = fixture.Splits.Test.Take(7);
        int[] classes = Evaluator.Predict(model, batch.Features, batch.Count);
        Assert.Equal(7, classes.Length);
        Assert.All(classes, c => Assert.InRange(c, 0, 9));
    }

    [Fact]
    public void Predict_InputNotDivisibleIntoSamples_Throws()
    {
        using var model = ModelFactory.Create(ModelKind.Mlp, seed: 1);
        Assert.Throws<ArgumentException>(() => Evaluator.Predict(model, new float[785], 2));
    }

    [Fact]
    public void Accuracy_LeavesModelInItsPreviousMode()
    {
        using var model = ModelFactory.Create(ModelKind.MobileNet, seed: 1);
        model.eval();
        Evaluator.Accuracy(model, fixture.Splits.Test.Take(50), batchSize: 16);
        Assert.False(model.training);
    }
}
