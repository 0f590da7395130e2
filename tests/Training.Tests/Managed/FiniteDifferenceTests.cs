using EdgeFL.Training.Data;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Managed.Layers;

namespace EdgeFL.Training.Tests.Managed;

/// <summary>
/// Analytic gradients against central differences. The small MLP as a whole (step 1e-3 on its float32 loss):
/// |numeric - analytic| within 2e-3 + 3% of |analytic|, up to 2% of elements excepted (a ReLU kink inside the step).
/// Each CNN layer alone on a smooth objective (step 1e-2, sums in double): every element within 2e-3 + 1%.
/// </summary>
public sealed class FiniteDifferenceTests
{
    [Fact]
    public void SmallMlp_GradientsMatchFiniteDifferences()
    {
        ManagedNetwork network = ManagedArchitectures.Mlp(new Random(3), inputDim: 6, classes: 3, hiddenDims: [5, 4], dropout: 0);
        Check(network, TorchOracle.RandomData(4, 6, 3, seed: 1), samplesPerTensor: int.MaxValue);
    }

    // The CNN as a whole is full of ReLU kinks that a difference quotient straddles (its gradients are checked against
    // TorchSharp instead); each of its layers is checked alone, on a smooth loss L = sum(r * layer(x)) with a random r.
    public static TheoryData<string> CnnLayers => ["stem", "depthwise-s1", "depthwise-s2", "pointwise", "batchnorm", "pool"];

    [Theory]
    [MemberData(nameof(CnnLayers))]
    public void CnnLayer_ParameterAndInputGradientsMatchFiniteDifferences(string which)
    {
        var init = new Random(4);
        Layer layer = which switch
        {
            "stem" => new StemConvLayer(Random(new Parameter("w", [4, 2, 3, 3]), init), height: 7, width: 6, stride: 2, padding: 1),
            "depthwise-s1" => new DepthwiseConvLayer(Random(new Parameter("w", [5, 1, 3, 3]), init), height: 5, width: 4, stride: 1, padding: 1),
            "depthwise-s2" => new DepthwiseConvLayer(Random(new Parameter("w", [5, 1, 3, 3]), init), height: 5, width: 4, stride: 2, padding: 1),
            "pointwise" => new LinearLayer(Random(new Parameter("w", [6, 5, 1, 1]), init), bias: null, positions: 9),
            "batchnorm" => RandomBatchNorm(init),
            "pool" => new GlobalAveragePoolLayer(positions: 6, channels: 5),
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };

        const int Batch = 3;
        var compute = new Compute(1);
        layer.Reserve(Batch);
        float[] x = RandomFloats(Batch * layer.InputSize, init);
        float[] r = RandomFloats(Batch * layer.OutputSize, init);
        double Objective()
        {
            layer.Forward(x, Batch, training: true, compute);
            double sum = 0;
            for (int i = 0; i < r.Length; i++)
            {
                sum += (double)r[i] * layer.Output[i];
            }

            return sum;
        }

        Objective();
        bool inputGrad = which != "stem"; // the stem is always first: it computes no input gradient
        layer.Backward(x, r, Batch, inputGrad, compute);
        var targets = layer.Parameters.Select(p => (p.Name, p.Value, Grad: (float[])p.Grad.Clone())).ToList();
        if (inputGrad)
        {
            targets.Add(("input", x, layer.GradInput[..x.Length]));
        }

        const float Step = 1e-2f;
        foreach (var (name, values, grad) in targets)
        {
            for (int i = 0; i < values.Length; i++)
            {
                float saved = values[i];
                values[i] = saved + Step;
                double plus = Objective();
                values[i] = saved - Step;
                double minus = Objective();
                values[i] = saved;
                double numeric = (plus - minus) / (2 * Step);
                Assert.True(Math.Abs(numeric - grad[i]) <= 2e-3 + (1e-2 * Math.Abs(grad[i])), $"{which} {name}[{i}]: numeric {numeric:E4}, analytic {grad[i]:E4}");
            }
        }
    }

    private static Parameter Random(Parameter p, Random init)
    {
        RandomFloats(p.Count, init).CopyTo(p.Value, 0);
        return p;
    }

    private static float[] RandomFloats(int count, Random random) => Enumerable.Range(0, count).Select(_ => (random.NextSingle() * 2) - 1).ToArray();

    private static BatchNormLayer RandomBatchNorm(Random init)
    {
        var bn = new BatchNormLayer("bn.", channels: 5, positions: 4);
        foreach (Parameter p in bn.Parameters)
        {
            Random(p, init);
        }

        return bn;
    }

    private static void Check(ManagedNetwork network, LabeledDataset data, int samplesPerTensor)
    {
        const float Step = 1e-3f;
        var (_, analytic) = TorchOracle.LossAndGrads(network, data);
        var pick = new Random(7);
        int checkedCount = 0, misses = 0;
        var failures = new List<string>();
        foreach (Parameter p in network.Parameters)
        {
            int count = Math.Min(samplesPerTensor, p.Count);
            for (int s = 0; s < count; s++)
            {
                int i = count == p.Count ? s : pick.Next(p.Count);
                float saved = p.Value[i];
                p.Value[i] = saved + Step;
                double plus = Loss(network, data);
                p.Value[i] = saved - Step;
                double minus = Loss(network, data);
                p.Value[i] = saved;
                double numeric = (plus - minus) / (2 * Step);
                double expected = analytic[p.Name][i];
                checkedCount++;
                if (Math.Abs(numeric - expected) > 2e-3 + (0.03 * Math.Abs(expected)))
                {
                    misses++;
                    failures.Add($"{p.Name}[{i}]: numeric {numeric:E3}, analytic {expected:E3}");
                }
            }
        }

        Assert.True(misses <= checkedCount / 50, $"{misses} of {checkedCount} gradients off: {string.Join("; ", failures.Take(10))}");
        Assert.True(checkedCount > 50);
    }

    private static double Loss(ManagedNetwork network, LabeledDataset data)
    {
        data.Features.AsSpan().CopyTo(network.InputBuffer(data.Count));
        network.Forward(data.Count, training: true);
        return network.Loss(data.Labels, backward: false);
    }
}
