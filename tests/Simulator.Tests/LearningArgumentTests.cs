using EdgeFL.Core.Aggregation;

namespace EdgeFL.Simulator.Tests;

public sealed class LearningArgumentTests
{
    [Fact]
    public void ServerOptimizer_DefaultsToFedAvgMWithMomentumHalf_AndEachRuleParses()
    {
        var defaults = DemoArguments.Parse([]);
        Assert.Equal((ServerOptimizerKind.FedAvgM, 1.0, 0.5, 0.0), (defaults.EffectiveServerOptimizer, defaults.EffectiveServerLearningRate, defaults.EffectiveServerBeta1, defaults.ProximalMu));
        Assert.Equal(ServerOptimizerKind.FedAvg, DemoArguments.Parse(["--server-opt", "fedavg"]).EffectiveServerOptimizer);
        Assert.Equal(ServerOptimizerKind.FedAvg, DemoArguments.Parse(["--model", "mobilenet"]).EffectiveServerOptimizer);
        Assert.Equal(ServerOptimizerKind.FedAvgM, DemoArguments.Parse(["--model", "mobilenet", "--server-opt", "fedavgm"]).EffectiveServerOptimizer);
        var adam = DemoArguments.Parse(["--server-opt", "FedAdam"]);
        Assert.Equal((ServerOptimizerKind.FedAdam, 0.01, 0.9), (adam.EffectiveServerOptimizer, adam.EffectiveServerLearningRate, adam.EffectiveServerBeta1));
        var yogi = DemoArguments.Parse(["--server-opt", "fedyogi", "--server-lr", "0.03", "--server-momentum", "0.8", "--prox-mu", "0.01"]);
        Assert.Equal((ServerOptimizerKind.FedYogi, 0.03, 0.8, 0.01), (yogi.EffectiveServerOptimizer, yogi.EffectiveServerLearningRate, yogi.EffectiveServerBeta1, yogi.ProximalMu));
    }

    [Theory]
    [InlineData("--server-opt", "sgd")]
    [InlineData("--server-lr", "0")]
    [InlineData("--server-momentum", "1")]
    [InlineData("--prox-mu", "-1")]
    public void BadValues_NameTheirFlag(string flag, string value) =>
        Assert.Contains(flag, Assert.Throws<ArgumentException>(() => DemoArguments.Parse([flag, value])).Message, StringComparison.Ordinal);

    [Fact]
    public void ProxMu_IsRefused_WithTheManagedTrainer() =>
        Assert.Contains("--prox-mu", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--prox-mu", "0.1", "--trainer", "managed"])).Message, StringComparison.Ordinal);
}
