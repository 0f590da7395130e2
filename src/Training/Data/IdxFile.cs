using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeFL.Training.Data;

/// <summary>Reads gzip-compressed IDX files (the MNIST format: big-endian magic and dimensions, then unsigned bytes).</summary>
internal static class IdxFile
{
    // Magic: two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions.
    private const int UnsignedByteType = 0x08;
    private const int MaxElements = 1 << 30;

    /// <summary>Reads an IDX file of unsigned bytes with <paramref name="expectedRank"/> dimensions.</summary>
    public static (int[] Dimensions, byte[] Data) ReadUnsignedBytes(string path, int expectedRank, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        try
        {
            return Read(gzip, path, expectedRank, cancellationToken);
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith("IDX file", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"IDX file '{path}' is not valid gzip: {ex.Message}", ex);
        }
    }

    private static (int[] Dimensions, byte[] Data) Read(Stream stream, string path, int expectedRank, CancellationToken cancellationToken)
    {
        Span<byte> header = stackalloc byte[4];
        ReadExactly(stream, header, path, "the magic number");
        if (header[0] != 0 || header[1] != 0 || header[2] != UnsignedByteType)
        {
            throw new InvalidDataException($"IDX file '{path}' has magic 0x{BinaryPrimitives.ReadUInt32BigEndian(header):x8}, not an unsigned-byte IDX file");
        }

        int rank = header[3];
        if (rank != expectedRank)
        {
            throw new InvalidDataException($"IDX file '{path}' has {rank} dimensions, expected {expectedRank}");
        }

        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            ReadExactly(stream, header, path, $"dimension {i}");
            uint d = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (d == 0 || d > MaxElements)
            {
                throw new InvalidDataException($"IDX file '{path}' has an invalid size {d} in dimension {i}");
            }

            dims[i] = (int)d;
            count *= d;
            if (count > MaxElements)
            {
                throw new InvalidDataException($"IDX file '{path}' declares more than {MaxElements} elements");
            }
        }

        var data = new byte[count];
        int read = 0;
        while (read < data.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = stream.Read(data, read, Math.Min(data.Length - read, 1 << 20));
            if (n == 0)
            {
                throw new InvalidDataException($"IDX file '{path}' is truncated: {read} of {count} data bytes present");
            }

            read += n;
        }

        if (stream.ReadByte() >= 0)
        {
            throw new InvalidDataException($"IDX file '{path}' has data beyond the {count} bytes its header declares");
        }

        return (dims, data);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"IDX file '{path}' is truncated: it ends before {what}", ex);
        }
    }
}
