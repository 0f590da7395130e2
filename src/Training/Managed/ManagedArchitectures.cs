using EdgeFL.Training.Managed.Layers;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Managed;

/// <summary>
/// The managed twins of the TorchSharp models (<c>EdgeMlp</c>, <c>MobileNetTiny</c>): same layers, same state-dict names
/// and shapes, torch.nn's default initialisation (weights and biases uniform in +-1/sqrt(fan_in), batch norm 1 and 0).
/// </summary>
internal static class ManagedArchitectures
{
    /// <summary>The network of <paramref name="kind"/> with the sizes ModelFactory uses.</summary>
    public static ManagedNetwork Create(ModelKind kind, Random init, int threads = 1, DropoutSource? dropout = null) => kind switch
    {
        ModelKind.Mlp => Mlp(init, threads: threads, dropoutSource: dropout),
        ModelKind.MobileNet => MobileNet(init, threads: threads),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown model kind"),
    };

    /// <summary>EdgeMlp: (Linear, ReLU, Dropout) per hidden width, then a Linear head; names net.0.weight, net.3.weight, ...</summary>
    public static ManagedNetwork Mlp(Random init, int inputDim = 784, int classes = 10, IReadOnlyList<int>? hiddenDims = null, double dropout = 0.1, int threads = 1, DropoutSource? dropoutSource = null)
    {
        hiddenDims ??= [32, 16];
        dropoutSource ??= new DropoutSource();
        var layers = new List<Layer>();
        int index = 0;
        int current = inputDim;
        foreach (int hidden in hiddenDims)
        {
            layers.Add(Linear($"net.{index}.", current, hidden, init));
            layers.Add(new ReluLayer(hidden));
            layers.Add(new DropoutLayer(hidden, dropout, dropoutSource));
            index += 3;
            current = hidden;
        }

        layers.Add(Linear($"net.{index}.", current, classes, init));
        return new ManagedNetwork(layers, threads);
    }

    /// <summary>MobileNetTiny: stem conv 3x3/2, BN, ReLU, five depthwise-separable blocks, global average pool, Linear head.</summary>
    public static ManagedNetwork MobileNet(Random init, int inputChannels = 1, int height = 28, int width = 28, int classes = 10, double widthMultiplier = 0.25, int threads = 1)
    {
        int Channels(int c) => Math.Max(8, (int)(c * widthMultiplier));

        var layers = new List<Layer>();
        var stemWeight = Uniform(new Parameter("features.0.weight", [Channels(32), inputChannels, 3, 3]), init);
        var stem = new StemConvLayer(stemWeight, height, width, stride: 2, padding: 1);
        layers.Add(stem);
        int h = stem.OutHeight, w = stem.OutWidth, channels = Channels(32);
        layers.Add(BatchNorm("features.1.", channels, h * w));
        layers.Add(new ReluLayer(h * w * channels));

        (int Out, int Stride)[] blocks = [(Channels(64), 1), (Channels(128), 2), (Channels(128), 1), (Channels(256), 2), (Channels(256), 1)];
        int index = 3;
        foreach (var (outChannels, stride) in blocks)
        {
            string prefix = $"features.{index}.";
            var depthwise = new DepthwiseConvLayer(Uniform(new Parameter(prefix + "depthwise.weight", [channels, 1, 3, 3]), init), h, w, stride, padding: 1);
            layers.Add(depthwise);
            h = depthwise.OutHeight;
            w = depthwise.OutWidth;
            layers.Add(new LinearLayer(Uniform(new Parameter(prefix + "pointwise.weight", [outChannels, channels, 1, 1]), init), bias: null, positions: h * w));
            layers.Add(BatchNorm(prefix + "bn.", outChannels, h * w));
            layers.Add(new ReluLayer(h * w * outChannels));
            channels = outChannels;
            index++;
        }

        layers.Add(new GlobalAveragePoolLayer(h * w, channels));
        layers.Add(Linear("classifier.", channels, classes, init));
        return new ManagedNetwork(layers, threads);
    }

    private static LinearLayer Linear(string prefix, int inFeatures, int outFeatures, Random init)
    {
        var weight = Uniform(new Parameter(prefix + "weight", [outFeatures, inFeatures]), init);
        var bias = Uniform(new Parameter(prefix + "bias", [outFeatures]), init, weight.FanIn);
        return new LinearLayer(weight, bias);
    }

    private static BatchNormLayer BatchNorm(string prefix, int channels, int positions)
    {
        var bn = new BatchNormLayer(prefix, channels, positions);
        bn.Reset();
        return bn;
    }

    // kaiming_uniform_(a = sqrt(5)) gives bound = sqrt(6 / ((1 + 5) * fan_in)) = 1 / sqrt(fan_in); a bias uses its weight's fan-in.
    private static Parameter Uniform(Parameter p, Random init, int? fanIn = null)
    {
        double bound = 1.0 / Math.Sqrt(fanIn ?? p.FanIn);
        Span<float> values = p.Value;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((init.NextDouble() * 2) - 1) * bound);
        }

        return p;
    }
}
