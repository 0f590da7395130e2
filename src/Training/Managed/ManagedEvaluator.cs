using EdgeFL.Core.Models;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Managed;

/// <summary>Inference with a managed network: accuracy over a dataset, in eval mode (no dropout; batch norm uses its running statistics).</summary>
public static class ManagedEvaluator
{
    private const int BatchSize = 256;

    /// <summary>Fraction of <paramref name="data"/> that <paramref name="model"/> (a state of <paramref name="kind"/>) classifies correctly.</summary>
    public static double Accuracy(ModelKind kind, ModelState model, LabeledDataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("the dataset holds no samples", nameof(data));
        }

        ManagedNetwork network = ManagedArchitectures.Create(kind, new Random(0));
        network.Load(model);
        return Accuracy(network, data);
    }

    internal static double Accuracy(ManagedNetwork network, LabeledDataset data)
    {
        if (data.FeatureCount != network.InputSize)
        {
            throw new ArgumentException($"the dataset has {data.FeatureCount} features per sample but the model takes {network.InputSize}", nameof(data));
        }

        long correct = 0;
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, data.Count - start);
            data.Features.AsSpan(start * data.FeatureCount, count * data.FeatureCount).CopyTo(network.InputBuffer(count));
            network.Forward(count, training: false);
            ReadOnlySpan<float> logits = network.Logits(count);
            for (int n = 0; n < count; n++)
            {
                ReadOnlySpan<float> z = logits.Slice(n * network.Classes, network.Classes);
                int best = 0;
                for (int k = 1; k < z.Length; k++)
                {
                    if (z[k] > z[best])
                    {
                        best = k;
                    }
                }

                if (best == data.Labels[start + n])
                {
                    correct++;
                }
            }
        }

        return (double)correct / data.Count;
    }
}
