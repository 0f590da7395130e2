using System.IO.Compression;
using EdgeFL.Training.Data;

namespace EdgeFL.Training.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("edgefl-idx-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Read_RealLabelFile_ReturnsDimensionsAndData()
    {
        var (dims, data) = IdxFile.ReadUnsignedBytes(Path.Combine(FashionMnist.DefaultDirectory, "t10k-labels-idx1-ubyte.gz"), 1);
        Assert.Equal([10_000], dims);
        Assert.Equal(10_000, data.Length);
        Assert.All(data, b => Assert.InRange(b, (byte)0, (byte)9));
    }

    [Fact]
    public void Read_TruncatedFile_ThrowsNamingFileAndShortfall()
    {
        // A valid header for 5 images of 28x28 followed by only 100 pixel bytes.
        string path = WriteGzip("short-images.gz", [0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, .. new byte[100]]);
        var ex = Assert.Throws<InvalidDataException>(() => IdxFile.ReadUnsignedBytes(path, 3));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("100 of 3920", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedGzipOfRealFile_Throws()
    {
        byte[] real = File.ReadAllBytes(Path.Combine(FashionMnist.DefaultDirectory, "t10k-labels-idx1-ubyte.gz"));
        string path = Path.Combine(directory, "cut.gz");
        File.WriteAllBytes(path, real.AsSpan(0, real.Length / 2).ToArray());
        var ex = Assert.Throws<InvalidDataException>(() => IdxFile.ReadUnsignedBytes(path, 1));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderCutShort_Throws()
    {
        string path = WriteGzip("header.gz", [0, 0, 8, 3, 0, 0]);
        var ex = Assert.Throws<InvalidDataException>(() => IdxFile.ReadUnsignedBytes(path, 3));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongMagic_Throws()
    {
        string path = WriteGzip("magic.gz", [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        var ex = Assert.Throws<InvalidDataException>(() => IdxFile.ReadUnsignedBytes(path, 1));
        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongRank_Throws()
    {
        string path = WriteGzip("rank.gz", [0, 0, 8, 1, 0, 0, 0, 1, 7]);
        var ex = Assert.Throws<InvalidDataException>(() => IdxFile.ReadUnsignedBytes(path, 3));
        Assert.Contains("1 dimensions, expected 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TrailingBytes_Throws()
    {
        string path = WriteGzip("long.gz", [0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3]);
        var ex = Assert.Throws<InvalidDataException>(() => IdxFile.ReadUnsignedBytes(path, 1));
        Assert.Contains("beyond", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadSplit_ImageAndLabelCountsDiffer_Throws()
    {
        string images = WriteGzip("i.gz", [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28, .. new byte[784]]);
        string labels = WriteGzip("l.gz", [0, 0, 8, 1, 0, 0, 0, 2, 1, 2]);
        var ex = Assert.Throws<InvalidDataException>(() => FashionMnist.LoadSplit(images, labels));
        Assert.Contains("1 images", ex.Message, StringComparison.Ordinal);
    }

    private string WriteGzip(string name, byte[] content)
    {
        string path = Path.Combine(directory, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(content);
        return path;
    }
}
