using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeFL.Tests.Shared;

/// <summary>
/// The first N samples of each split of Debian's Fashion-MNIST, written as the same four gzipped IDX files, so an
/// emulated device loads a few hundred images instead of 70,000.
/// </summary>
public static class FashionMnistSlice
{
    public const string Source = "/usr/share/datasets/fashion-mnist";

    /// <summary>Writes the first <paramref name="trainSamples"/> and <paramref name="testSamples"/> of each split to <paramref name="directory"/>.</summary>
    public static void Write(string directory, int trainSamples, int testSamples)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, count) in new[]
        {
            ("train-images-idx3-ubyte.gz", trainSamples), ("train-labels-idx1-ubyte.gz", trainSamples),
            ("t10k-images-idx3-ubyte.gz", testSamples), ("t10k-labels-idx1-ubyte.gz", testSamples),
        })
        {
            Slice(Path.Combine(Source, name), Path.Combine(directory, name), count);
        }
    }

    private static void Slice(string from, string to, int count)
    {
        using var input = new GZipStream(File.OpenRead(from), CompressionMode.Decompress);
        byte[] magic = new byte[4];
        input.ReadExactly(magic);
        int rank = magic[3];
        byte[] dims = new byte[4 * rank];
        input.ReadExactly(dims);
        int total = BinaryPrimitives.ReadInt32BigEndian(dims);
        int itemBytes = 1;
        for (int d = 1; d < rank; d++)
        {
            itemBytes *= BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * d));
        }

        count = Math.Min(count, total);
        BinaryPrimitives.WriteInt32BigEndian(dims, count);
        byte[] items = new byte[count * itemBytes];
        input.ReadExactly(items);
        using var output = new GZipStream(File.Create(to), CompressionLevel.Fastest);
        output.Write(magic);
        output.Write(dims);
        output.Write(items);
    }
}
