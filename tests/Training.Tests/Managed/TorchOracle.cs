using EdgeFL.Core.Models;
using EdgeFL.Training.Data;
using EdgeFL.Training.Managed;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeFL.Training.Tests.Managed;

/// <summary>TorchSharp as the oracle: the loss and every parameter's gradient of one batch, and the managed network's for the same batch.</summary>
internal static class TorchOracle
{
    /// <summary>Loss and gradients (by parameter name) of <paramref name="model"/> in its current mode on the first rows of <paramref name="data"/>.</summary>
    public static (float Loss, Dictionary<string, float[]> Grads) LossAndGrads(nn.Module<Tensor, Tensor> model, LabeledDataset data)
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(data.Features, [data.Count, data.FeatureCount]);
        Tensor y = tensor(data.Labels.Select(l => (long)l).ToArray(), [data.Count]);
        model.zero_grad();
        Tensor loss = nn.functional.cross_entropy(model.forward(x), y);
        loss.backward();
        var grads = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, p) in model.named_parameters())
        {
            grads[name] = p.grad!.contiguous().data<float>().ToArray();
        }

        return (loss.item<float>(), grads);
    }

    /// <summary>The managed network's loss and gradients on the same rows (training mode: batch statistics, dropout if any).</summary>
    public static (float Loss, Dictionary<string, float[]> Grads) LossAndGrads(ManagedNetwork network, LabeledDataset data, bool training = true)
    {
        data.Features.AsSpan().CopyTo(network.InputBuffer(data.Count));
        network.Forward(data.Count, training);
        float loss = network.Loss(data.Labels, backward: true);
        return (loss, network.Parameters.ToDictionary(p => p.Name, p => (float[])p.Grad.Clone(), StringComparer.Ordinal));
    }

    /// <summary>Random features in [0, 1) and labels, like normalised pixels.</summary>
    public static LabeledDataset RandomData(int count, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.NextSingle();
        }

        var y = new byte[count];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (byte)random.Next(classes);
        }

        return new LabeledDataset(x, y, features, classes);
    }

    /// <summary>Largest |a - b| over the elements, and the largest |b|.</summary>
    public static (double MaxDiff, double MaxRef) Compare(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(b.Length, a.Length);
        double diff = 0, reference = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(a[i] - b[i]));
            reference = Math.Max(reference, Math.Abs(b[i]));
        }

        return (diff, reference);
    }

    /// <summary>Largest element difference between two states of the same layout, over float tensors.</summary>
    public static double MaxDifference(ModelState a, ModelState b)
    {
        Assert.True(a.HasSameLayout(b));
        double max = 0;
        for (int i = 0; i < a.Tensors.Count; i++)
        {
            if (a.Tensors[i].DType == TensorDType.Float32)
            {
                max = Math.Max(max, Compare(a.Tensors[i].AsFloat32(), b.Tensors[i].AsFloat32()).MaxDiff);
            }
        }

        return max;
    }
}
