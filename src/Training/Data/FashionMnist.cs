namespace EdgeFL.Training.Data;

/// <summary>Loads Fashion-MNIST from the IDX files of Debian's <c>dataset-fashion-mnist</c> package.</summary>
/// <remarks>
/// Features are normalized, an explicit choice: pixel bytes are scaled to [0, 1] and then
/// standardized with the training set's mean <see cref="Mean"/> and standard deviation
/// <see cref="StdDev"/> (the usual torchvision constants), so <c>x = (p / 255 - 0.2860) / 0.3530</c>.
/// Every consumer (training, evaluation, inference) must feed features normalized the same way.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where the Debian package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Mean of the training pixels scaled to [0, 1].</summary>
    public const float Mean = 0.2860f;

    /// <summary>Standard deviation of the training pixels scaled to [0, 1].</summary>
    public const float StdDev = 0.3530f;

    /// <summary>Pixels per image (28 x 28).</summary>
    public const int FeatureCount = 28 * 28;

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Loads both splits from <paramref name="directory"/>; throws <see cref="DatasetNotFoundException"/> when the files are missing.</summary>
    public static FashionMnistSplits Load(string directory = DefaultDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string[] names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
        string[] missing = names.Where(n => !File.Exists(Path.Combine(directory, n))).ToArray();
        if (missing.Length > 0)
        {
            throw new DatasetNotFoundException(
                directory,
                $"Fashion-MNIST not found in '{directory}' (missing {string.Join(", ", missing)}); install it with `sudo apt-get install dataset-fashion-mnist`");
        }

        var train = LoadSplit(Path.Combine(directory, names[0]), Path.Combine(directory, names[1]), cancellationToken);
        var test = LoadSplit(Path.Combine(directory, names[2]), Path.Combine(directory, names[3]), cancellationToken);
        return new FashionMnistSplits(train, test);
    }

    /// <summary>Loads one images/labels pair of IDX files.</summary>
    internal static LabeledDataset LoadSplit(string imagesPath, string labelsPath, CancellationToken cancellationToken = default)
    {
        var (imageDims, pixels) = IdxFile.ReadUnsignedBytes(imagesPath, 3, cancellationToken);
        var (labelDims, labels) = IdxFile.ReadUnsignedBytes(labelsPath, 1, cancellationToken);
        if (imageDims[1] * imageDims[2] != FeatureCount)
        {
            throw new InvalidDataException($"'{imagesPath}' holds {imageDims[1]}x{imageDims[2]} images, expected 28x28");
        }

        if (imageDims[0] != labelDims[0])
        {
            throw new InvalidDataException($"'{imagesPath}' holds {imageDims[0]} images but '{labelsPath}' {labelDims[0]} labels");
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= ClassCount)
            {
                throw new InvalidDataException($"'{labelsPath}' has label {labels[i]} at index {i}; Fashion-MNIST labels are 0-9");
            }
        }

        return new LabeledDataset(Normalize(pixels), labels, FeatureCount, ClassCount);
    }

    /// <summary>Maps pixel bytes to <c>(p / 255 - Mean) / StdDev</c>.</summary>
    internal static float[] Normalize(ReadOnlySpan<byte> pixels)
    {
        Span<float> table = stackalloc float[256];
        for (int p = 0; p < 256; p++)
        {
            table[p] = ((p / 255f) - Mean) / StdDev;
        }

        var features = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            features[i] = table[pixels[i]];
        }

        return features;
    }
}
