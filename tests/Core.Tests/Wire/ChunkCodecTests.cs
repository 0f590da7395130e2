using System.Buffers;
using System.Security.Cryptography;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Wire;

namespace EdgeFL.Core.Tests.Wire;

public sealed class ChunkCodecTests
{
    [Fact]
    public void Split_GivesChunksWithinTheLimit_ThatDecodeAndJoinToTheWhole()
    {
        byte[] whole = RandomNumberGenerator.GetBytes(300_000);
        var chunks = ChunkCodec.Split(whole, 65_536).ToList();

        int size = ChunkCodec.ChunkSizeFor(65_536);
        Assert.Equal((whole.Length + size - 1) / size, chunks.Count);
        var joined = new byte[whole.Length];
        foreach (byte[] encoded in chunks)
        {
            Assert.True(encoded.Length <= 65_536, $"a chunk message of {encoded.Length} bytes");
            Assert.True(ChunkCodec.IsChunk(new ReadOnlySequence<byte>(encoded)));
            Assert.True(ChunkCodec.TryDecode(new ReadOnlySequence<byte>(encoded), out var chunk, out var error), error.ToString());
            Assert.Equal(chunks.Count, chunk!.Count);
            Assert.Equal(whole.Length, chunk.TotalLength);
            Assert.Equal(SHA256.HashData(whole), chunk.Sha256.ToArray());
            chunk.Data.Span.CopyTo(joined.AsSpan((int)chunk.Offset));
        }

        Assert.Equal(whole, joined);
    }

    [Fact]
    public void IsChunk_IsFalseForEveryOtherMessage()
    {
        var model = TestModels.ModelMessage(TestModels.Small(new Random(1)));
        Assert.False(ChunkCodec.IsChunk(new ReadOnlySequence<byte>(WireCodec.Encode(model))));
        Assert.False(ChunkCodec.IsChunk(new ReadOnlySequence<byte>(WireCodec.Encode(new UploadAck("gw", "gw:1", 1, UploadAck.Accepted)))));
        Assert.False(ChunkCodec.IsChunk(ReadOnlySequence<byte>.Empty));
        Assert.False(ChunkCodec.IsChunk(new ReadOnlySequence<byte>([0xC1, 0x00])));
        Assert.False(ChunkCodec.IsChunk(new ReadOnlySequence<byte>("plain text"u8.ToArray())));
    }

    [Fact]
    public void TryDecode_RefusesAChunkWhoseDataDoesNotMatchItsHash()
    {
        byte[] encoded = ChunkCodec.Split(RandomNumberGenerator.GetBytes(10_000), 4096).First();
        encoded[^1] ^= 0xFF; // the last byte is the data's
        Assert.False(ChunkCodec.TryDecode(new ReadOnlySequence<byte>(encoded), out _, out var error));
        Assert.Equal(WireErrorReason.BadChunk, error.Reason);
    }

    [Theory]
    [InlineData(0, 2, 10_000, 4096, 4096)]   // n is not ceil(len / cs)
    [InlineData(3, 3, 10_000, 3840, 0)]      // index beyond the count
    [InlineData(0, 3, 10_000, 3840, 100)]    // data length is not cs
    [InlineData(0, 1, 10, 512, 10)]          // chunk size below the minimum
    public void TryDecode_RefusesInconsistentFields(int index, int count, long len, int cs, int dataBytes)
    {
        byte[] data = RandomNumberGenerator.GetBytes(dataBytes);
        var chunk = new ChunkMessage("x1", index, count, len, cs, new byte[32], SHA256.HashData(data), data);
        Assert.False(ChunkCodec.TryDecode(new ReadOnlySequence<byte>(ChunkCodec.Encode(chunk)), out _, out var error));
        Assert.NotEqual(WireErrorReason.None, error.Reason);
    }

    [Fact]
    public void TryDecode_RefusesABadTransferId_AndTruncatedBytes()
    {
        byte[] data = new byte[10];
        var bad = new ChunkMessage("a/b", 0, 1, 10, 1024, new byte[32], SHA256.HashData(data), data);
        Assert.False(ChunkCodec.TryDecode(new ReadOnlySequence<byte>(ChunkCodec.Encode(bad)), out _, out _));

        byte[] good = ChunkCodec.Encode(bad with { TransferId = "ok" });
        Assert.True(ChunkCodec.TryDecode(new ReadOnlySequence<byte>(good), out _, out _));
        for (int cut = 0; cut < good.Length; cut += 7)
        {
            Assert.False(ChunkCodec.TryDecode(new ReadOnlySequence<byte>(good.AsMemory(0, cut)), out _, out _));
        }
    }
}
