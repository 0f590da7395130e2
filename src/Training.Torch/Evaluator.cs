using System.Runtime.InteropServices;
using EdgeFL.Training.Data;
using static TorchSharp.torch;

namespace EdgeFL.Training;

/// <summary>Inference with a classifier: accuracy over a dataset and class predictions for a batch.</summary>
public static class Evaluator
{
    /// <summary>Fraction of <paramref name="data"/> classified correctly (eval mode, no gradients; the module's mode is restored).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, LabeledDataset data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (data.Count == 0)
        {
            throw new ArgumentException("the dataset holds no samples", nameof(data));
        }

        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var batch = new BatchBuffer(Math.Min(batchSize, data.Count), data.FeatureCount);
            long correct = 0;
            var predicted = new long[batch.Capacity];
            for (int start = 0; start < data.Count; start += batch.Capacity)
            {
                int count = Math.Min(batch.Capacity, data.Count - start);
                using var scope = NewDisposeScope();
                var (x, _) = batch.FillRange(data, start, count);
                Tensor classes = model.forward(x).argmax(1);
                MemoryMarshal.Cast<byte, long>(classes.contiguous().bytes).CopyTo(predicted);
                for (int i = 0; i < count; i++)
                {
                    if (predicted[i] == data.Labels[start + i])
                    {
                        correct++;
                    }
                }
            }

            return (double)correct / data.Count;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>The most likely class of each of the <paramref name="count"/> samples in <paramref name="inputs"/> (row-major).</summary>
    public static int[] Predict(nn.Module<Tensor, Tensor> model, ReadOnlySpan<float> inputs, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (inputs.Length == 0 || inputs.Length % count != 0)
        {
            throw new ArgumentException($"{inputs.Length} floats do not split into {count} samples", nameof(inputs));
        }

        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            Tensor x = empty([count, inputs.Length / count], ScalarType.Float32);
            inputs.CopyTo(MemoryMarshal.Cast<byte, float>(x.bytes));
            Tensor classes = model.forward(x).argmax(1).contiguous();
            ReadOnlySpan<long> indices = MemoryMarshal.Cast<byte, long>(classes.bytes);
            var result = new int[count];
            for (int i = 0; i < count; i++)
            {
                result[i] = (int)indices[i];
            }

            return result;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
