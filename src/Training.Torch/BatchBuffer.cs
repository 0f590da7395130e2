using System.Runtime.InteropServices;
using EdgeFL.Training.Data;
using static TorchSharp.torch;

namespace EdgeFL.Training;

/// <summary>
/// One feature tensor and one label tensor reused for every mini-batch: rows are copied straight from
/// the dataset's float array into the tensors' storage, so a step allocates no input tensors.
/// </summary>
internal sealed class BatchBuffer : IDisposable
{
    private readonly Tensor features;
    private readonly Tensor labels;
    private readonly int featureCount;

    public BatchBuffer(int capacity, int featureCount)
    {
        this.featureCount = featureCount;
        Capacity = capacity;
        features = empty([capacity, featureCount], ScalarType.Float32);
        labels = empty([capacity], ScalarType.Int64);
    }

    public int Capacity { get; }

    /// <summary>Fills the first rows with the samples <paramref name="rows"/> of <paramref name="data"/>; returns views of exactly that many rows.</summary>
    public (Tensor Features, Tensor Labels) Fill(LabeledDataset data, ReadOnlySpan<int> rows)
    {
        Span<float> x = MemoryMarshal.Cast<byte, float>(features.bytes);
        Span<long> y = MemoryMarshal.Cast<byte, long>(labels.bytes);
        for (int i = 0; i < rows.Length; i++)
        {
            data.Row(rows[i]).CopyTo(x.Slice(i * featureCount, featureCount));
            y[i] = data.Labels[rows[i]];
        }

        return Views(rows.Length);
    }

    /// <summary>Fills the first rows with consecutive samples <paramref name="start"/>.. of <paramref name="data"/>.</summary>
    public (Tensor Features, Tensor Labels) FillRange(LabeledDataset data, int start, int count)
    {
        Span<float> x = MemoryMarshal.Cast<byte, float>(features.bytes);
        Span<long> y = MemoryMarshal.Cast<byte, long>(labels.bytes);
        data.Features.AsSpan(start * featureCount, count * featureCount).CopyTo(x);
        for (int i = 0; i < count; i++)
        {
            y[i] = data.Labels[start + i];
        }

        return Views(count);
    }

    public void Dispose()
    {
        features.Dispose();
        labels.Dispose();
    }

    // Views are new handles on the same storage; the caller's dispose scope releases them.
    private (Tensor Features, Tensor Labels) Views(int count) => (features.narrow(0, 0, count), labels.narrow(0, 0, count));
}
