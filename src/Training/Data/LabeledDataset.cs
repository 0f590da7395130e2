namespace EdgeFL.Training.Data;

/// <summary>
/// Samples as one row-major float array (<see cref="Count"/> rows of <see cref="FeatureCount"/>)
/// with one class label per row. Immutable once built; the arrays are not copied on construction.
/// </summary>
public sealed class LabeledDataset
{
    /// <summary>Wraps <paramref name="features"/> (Count x featureCount) and <paramref name="labels"/> (each below classCount).</summary>
    public LabeledDataset(float[] features, byte[] labels, int featureCount, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        if ((long)labels.Length * featureCount != features.Length)
        {
            throw new ArgumentException($"{features.Length} features do not make {labels.Length} rows of {featureCount}", nameof(features));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
            {
                throw new ArgumentException($"label {labels[i]} at row {i} is not below the class count {classCount}", nameof(labels));
            }
        }

        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>Row-major features, <see cref="Count"/> x <see cref="FeatureCount"/>.</summary>
    public float[] Features { get; }

    /// <summary>One class index per row.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Floats per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of classes; every label is below it.</summary>
    public int ClassCount { get; }

    /// <summary>The features of one sample.</summary>
    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(checked(index * FeatureCount), FeatureCount);

    /// <summary>A new dataset holding copies of the given rows, in the given order.</summary>
    public LabeledDataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[checked(indices.Length * FeatureCount)];
        var labels = new byte[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int row = indices[i];
            if ((uint)row >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), row, $"index {row} is outside the {Count} samples");
            }

            Row(row).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            labels[i] = Labels[row];
        }

        return new LabeledDataset(features, labels, FeatureCount, ClassCount);
    }

    /// <summary>A copy of the first <paramref name="count"/> samples (all of them when there are fewer).</summary>
    public LabeledDataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int n = Math.Min(count, Count);
        return new LabeledDataset(Features.AsSpan(0, n * FeatureCount).ToArray(), Labels.AsSpan(0, n).ToArray(), FeatureCount, ClassCount);
    }
}
