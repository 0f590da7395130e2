namespace EdgeFL.Training.Tests;

public sealed class TrainerOptionsTests
{
    public static TheoryData<TrainerOptions, string> InvalidOptions => new()
    {
        { new TrainerOptions { BatchSize = 0 }, nameof(TrainerOptions.BatchSize) },
        { new TrainerOptions { LearningRate = 0 }, nameof(TrainerOptions.LearningRate) },
        { new TrainerOptions { LearningRate = double.NaN }, nameof(TrainerOptions.LearningRate) },
        { new TrainerOptions { Epochs = 0 }, nameof(TrainerOptions.Epochs) },
        { new TrainerOptions { Momentum = 1 }, nameof(TrainerOptions.Momentum) },
        { new TrainerOptions { Momentum = -0.1 }, nameof(TrainerOptions.Momentum) },
        { new TrainerOptions { ProximalMu = -0.01 }, nameof(TrainerOptions.ProximalMu) },
        { new TrainerOptions { ProximalMu = double.NaN }, nameof(TrainerOptions.ProximalMu) },
        { new TrainerOptions { DecayRounds = -1 }, nameof(TrainerOptions.DecayRounds) },
        { new TrainerOptions { FinalLearningRateFactor = 1.5 }, nameof(TrainerOptions.FinalLearningRateFactor) },
        { new TrainerOptions { FinalLearningRateFactor = double.NaN }, nameof(TrainerOptions.FinalLearningRateFactor) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_NamesTheInvalidOption(TrainerOptions options, string name)
    {
        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(name, ex.ParamName);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_AreValid_AndMatchTheEdgeConfig()
    {
        var options = new TrainerOptions();
        options.Validate();
        Assert.Equal(16, options.BatchSize);
        Assert.Equal(0.01, options.LearningRate);
        Assert.Equal(1, options.Epochs);
        Assert.Equal(0, options.Momentum);
    }

    [Fact]
    public void LearningRateAt_FollowsACosineDownToTheFinalFactor_ThenStays()
    {
        var constant = new TrainerOptions { LearningRate = 0.02 };
        Assert.Equal(0.02, constant.LearningRateAt(0));
        Assert.Equal(0.02, constant.LearningRateAt(1000));

        var decaying = constant with { DecayRounds = 50, FinalLearningRateFactor = 0.1 };
        Assert.Equal(0.02, decaying.LearningRateAt(0), 12);
        Assert.Equal(0.02 * 0.55, decaying.LearningRateAt(25), 12);
        Assert.Equal(0.002, decaying.LearningRateAt(50), 12);
        Assert.Equal(0.002, decaying.LearningRateAt(80), 12);
        Assert.True(decaying.LearningRateAt(10) < decaying.LearningRateAt(9));
    }

    [Fact]
    public void Train_RejectsInvalidOptionsBeforeTouchingTheModel()
    {
        using var model = EdgeFL.Training.Models.ModelFactory.Create(EdgeFL.Training.Models.ModelKind.Mlp, seed: 1);
        var ex = Assert.Throws<ArgumentException>(() => LocalTrainer.Train(model, ModelStateConverterTests.RandomData(4, 1), new TrainerOptions { Epochs = -1 }));
        Assert.Equal(nameof(TrainerOptions.Epochs), ex.ParamName);
    }
}
