using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Tests.Aggregation;

public sealed class ServerOptimizerTests
{
    private static ModelState Values(params float[] values) => new([NamedTensor.FromFloat32("w", [values.Length], values), NamedTensor.FromInt64("n", [], [7])]);

    private static float[] Floats(ModelState m) => m.Tensors[0].AsFloat32().ToArray();

    [Theory]
    [InlineData(ServerOptimizerKind.FedAvgM)]
    [InlineData(ServerOptimizerKind.FedAdam)]
    [InlineData(ServerOptimizerKind.FedYogi)]
    public void BatchNormRunningStatistics_TakeTheAverage_WhileWeightsStep(ServerOptimizerKind kind)
    {
        // MobileNetTiny's layout: momentum on a running variance drove it below zero and the global model to chance.
        static ModelState Model(float w, float mean, float var) => new([
            NamedTensor.FromFloat32("bn.weight", [1], [w]),
            NamedTensor.FromFloat32("bn.running_mean", [1], [mean]),
            NamedTensor.FromFloat32("bn.running_var", [1], [var]),
            NamedTensor.FromInt64("bn.num_batches_tracked", [], [3])]);
        var opt = new ServerOptimizer(new ServerOptimizerOptions { Kind = kind, LearningRate = 1, Beta1 = 0.9 });

        var x = Model(1, 0, 1);
        foreach (var (w, mean, var) in new[] { (2f, 0.5f, 0.8f), (3f, 0.4f, 0.5f), (3.5f, 0.3f, 0.1f) })
        {
            x = opt.Step(x, Model(w, mean, var));
            Assert.Equal(mean, x.Tensors[1].AsFloat32()[0]);
            Assert.Equal(var, x.Tensors[2].AsFloat32()[0]);
        }

        Assert.NotEqual(3.5f, x.Tensors[0].AsFloat32()[0]);
        Assert.True(ServerOptimizer.IsRunningStatistic("layers.0.bn.running_var"));
        Assert.False(ServerOptimizer.IsRunningStatistic("layers.0.bn.weight"));
    }

    [Fact]
    public void FedAvg_TakesTheAverage()
    {
        var opt = new ServerOptimizer(new ServerOptimizerOptions());
        Assert.Equal([3f, -1f], Floats(opt.Step(Values(1, 1), Values(3, -1))));
        Assert.Null(opt.State());
    }

    [Fact]
    public void FedAvgM_AccumulatesMomentumOnTheAveragedChange()
    {
        var opt = new ServerOptimizer(new ServerOptimizerOptions { Kind = ServerOptimizerKind.FedAvgM, LearningRate = 1, Beta1 = 0.5 });
        var x1 = opt.Step(Values(0), Values(1));   // m = 1, x = 1
        var x2 = opt.Step(x1, Values(2));          // d = 1, m = 0.5 + 1 = 1.5, x = 2.5
        Assert.Equal(1f, Floats(x1)[0], 6);
        Assert.Equal(2.5f, Floats(x2)[0], 6);
        Assert.Equal(7, x2.Tensors[1].AsInt64()[0]); // int64 tensors take the average
    }

    [Fact]
    public void FedAdamAndFedYogi_FollowReddiEtAl()
    {
        // Hand-computed with eta 0.1, beta1 0.9, beta2 0.99, tau 1e-3, from x = 0 towards d = 2 then d = -1.
        foreach (var kind in new[] { ServerOptimizerKind.FedAdam, ServerOptimizerKind.FedYogi })
        {
            var opt = new ServerOptimizer(new ServerOptimizerOptions { Kind = kind, LearningRate = 0.1, Beta1 = 0.9, Beta2 = 0.99, Tau = 1e-3 });
            double m = 0, v = 0, x = 0;
            foreach (double target in new[] { 2.0, 1.0 })
            {
                double d = target - x;
                m = (0.9 * m) + (0.1 * d);
                v = kind == ServerOptimizerKind.FedAdam ? (0.99 * v) + (0.01 * d * d) : v - (0.01 * d * d * Math.Sign(v - (d * d)));
                double expected = x + (0.1 * m / (Math.Sqrt(v) + 1e-3));
                var next = opt.Step(Values((float)x), Values((float)target));
                Assert.Equal(expected, Floats(next)[0], 4);
                x = Floats(next)[0];
            }

            Assert.Equal(2, opt.Steps);
        }
    }

    [Fact]
    public void State_RestoredIntoAFreshOptimizer_ContinuesExactly()
    {
        var options = new ServerOptimizerOptions { Kind = ServerOptimizerKind.FedAdam, LearningRate = 0.05 };
        var a = new ServerOptimizer(options);
        var x = a.Step(Values(0, 0), Values(1, -2));
        var b = new ServerOptimizer(options);
        Assert.True(b.Restore(x, a.State(), a.Steps));

        Assert.Equal(Floats(a.Step(x, Values(3, 1))), Floats(b.Step(x, Values(3, 1))));
        Assert.Equal(2, b.Steps);
    }

    [Fact]
    public void State_OfAnotherLayout_IsRefused_AndTheStateStartsEmpty()
    {
        var options = new ServerOptimizerOptions { Kind = ServerOptimizerKind.FedYogi };
        var a = new ServerOptimizer(options);
        a.Step(Values(0, 0, 0), Values(1, 1, 1));
        var b = new ServerOptimizer(options);
        Assert.False(b.Restore(Values(0, 0), a.State(), a.Steps));
        Assert.Equal(0, b.Steps);
        Assert.Null(b.State());
    }

    [Fact]
    public void Options_NameTheBadKey()
    {
        var problems = new ServerOptimizerOptions { Kind = (ServerOptimizerKind)9, LearningRate = 0, Beta1 = 1, Beta2 = -0.1, Tau = 0 }.Problems("Cloud:ServerOptimizer").ToArray();
        Assert.Equal(
            ["Cloud:ServerOptimizer:Kind", "Cloud:ServerOptimizer:LearningRate", "Cloud:ServerOptimizer:Beta1", "Cloud:ServerOptimizer:Beta2", "Cloud:ServerOptimizer:Tau"],
            problems.Select(p => p[..p.IndexOf(' ', StringComparison.Ordinal)]));
    }
}
