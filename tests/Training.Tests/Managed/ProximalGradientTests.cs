using EdgeFL.Training.Managed;

namespace EdgeFL.Training.Tests.Managed;

public sealed class ProximalGradientTests
{
    [Fact]
    public void AddProximalGradient_IsMuTimesTheDistanceFromTheAnchor()
    {
        ManagedNetwork network = ManagedArchitectures.Mlp(new Random(1), inputDim: 6, classes: 3, hiddenDims: [5], dropout: 0);
        var data = TorchOracle.RandomData(4, 6, 3, seed: 2);
        network.SetProximalAnchor();
        Parameter p = network.Parameters[0];
        p.Value[3] += 0.5f; // moved away from the anchor
        var (_, plain) = TorchOracle.LossAndGrads(network, data);

        network.AddProximalGradient(0.2f);

        for (int i = 0; i < p.Count; i++)
        {
            float expected = plain[p.Name][i] + (i == 3 ? 0.2f * 0.5f : 0f);
            Assert.Equal(expected, p.Grad[i], 1e-6f);
        }

        Parameter other = network.Parameters[1];
        for (int i = 0; i < other.Count; i++)
        {
            Assert.Equal(plain[other.Name][i], other.Grad[i], 1e-6f); // at the anchor: no pull (up to rounding of g + mu*w - mu*w)
        }
    }
}
