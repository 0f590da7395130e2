using System.Buffers;
using System.Security.Cryptography;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Chunking;

public sealed class ChunkAssemblerTests : IDisposable
{
    private const long MaxPayload = 8192;
    private readonly ManualTimeProvider _time = new(manualTimers: true);
    private readonly string _directory = Directory.CreateTempSubdirectory("edgefl-chunks-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ChunksInOrder_GiveTheWhole_AndLeaveNothingOpen()
    {
        using var assembler = Create();
        byte[] whole = RandomNumberGenerator.GetBytes(50_000);
        var chunks = Split(whole);
        byte[]? result = null;
        for (int i = 0; i < chunks.Count; i++)
        {
            result = assembler.Take("t/a", Seq(chunks[i]));
            Assert.Equal(i == chunks.Count - 1, result is not null);
        }

        Assert.Equal(whole, result);
        Assert.Equal(0, assembler.OpenTransfers);
        Assert.Equal(0, assembler.PendingBytes);
        Assert.Equal(1, assembler.Metrics.Completed);
        Assert.Equal(chunks.Count, assembler.Metrics.Received);
        Assert.Empty(Directory.GetFiles(_directory)); // each reassembly file is unlinked as soon as it is opened
    }

    [Fact]
    public void ChunksOutOfOrder_WithDuplicates_GiveTheWholeOnce()
    {
        using var assembler = Create();
        byte[] whole = RandomNumberGenerator.GetBytes(40_000);
        var chunks = Split(whole);
        var order = Enumerable.Range(0, chunks.Count).Reverse().ToList();
        order.Insert(1, order[0]); // a duplicate before completion
        var results = order.Select(i => assembler.Take("t/a", Seq(chunks[i]))).Where(r => r is not null).ToList();

        Assert.Single(results);
        Assert.Equal(whole, results[0]);

        // A duplicate after completion (a QoS 1 redelivery) neither starts a transfer nor gives the whole again.
        Assert.Null(assembler.Take("t/a", Seq(chunks[0])));
        Assert.Equal(0, assembler.OpenTransfers);
        Assert.Equal(2, assembler.Metrics.Duplicates);
        Assert.Equal(1, assembler.Metrics.Completed);
    }

    [Fact]
    public void ALostChunk_TimesOut_IsCounted_AndFreesTheTransfer()
    {
        using var assembler = Create(new ChunkingOptions { TransferTimeout = TimeSpan.FromSeconds(10) });
        var chunks = Split(RandomNumberGenerator.GetBytes(30_000));
        foreach (var chunk in chunks.Skip(1))
        {
            Assert.Null(assembler.Take("t/a", Seq(chunk)));
        }

        Assert.Equal(1, assembler.OpenTransfers);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, assembler.OpenTransfers); // idle 5 s of 10: kept
        _time.Advance(TimeSpan.FromSeconds(10)); // the sweeper's timer fires as the clock passes it
        Assert.Equal(0, assembler.OpenTransfers);
        Assert.Equal(0, assembler.PendingBytes);
        Assert.Equal(1, assembler.Metrics.FailedFor(TransferFailure.TimedOut));

        // The missing chunk arriving late is ignored: the sender sends the whole again, as a new transfer.
        Assert.Null(assembler.Take("t/a", Seq(chunks[0])));
        Assert.Equal(0, assembler.OpenTransfers);
    }

    [Fact]
    public void ASlowTransferThatKeepsArriving_IsNotTimedOut()
    {
        using var assembler = Create(new ChunkingOptions { TransferTimeout = TimeSpan.FromSeconds(10) });
        byte[] whole = RandomNumberGenerator.GetBytes(30_000);
        byte[]? result = null;
        foreach (var chunk in Split(whole))
        {
            _time.Advance(TimeSpan.FromSeconds(6));
            result = assembler.Take("t/a", Seq(chunk));
        }

        Assert.Equal(whole, result);
        Assert.Empty(assembler.Metrics.FailedByReason);
    }

    [Fact]
    public void ACorruptedChunk_IsDropped_AndAGoodCopyStillCompletesTheTransfer()
    {
        using var assembler = Create();
        byte[] whole = RandomNumberGenerator.GetBytes(20_000);
        var chunks = Split(whole);
        byte[] corrupted = (byte[])chunks[1].Clone();
        corrupted[^10] ^= 0x01;

        Assert.Null(assembler.Take("t/a", Seq(chunks[0])));
        Assert.Null(assembler.Take("t/a", Seq(corrupted)));
        Assert.Equal(1, assembler.Metrics.RejectedFor(ChunkRejection.CorruptChunk));
        byte[]? result = null;
        foreach (var chunk in chunks.Skip(1))
        {
            result = assembler.Take("t/a", Seq(chunk));
        }

        Assert.Equal(whole, result);
    }

    [Fact]
    public void AWholeThatDoesNotMatchItsHash_IsDroppedAndCounted()
    {
        using var assembler = Create();
        byte[] whole = RandomNumberGenerator.GetBytes(20_000);
        int size = ChunkCodec.ChunkSizeFor(MaxPayload);
        int count = (whole.Length + size - 1) / size;
        byte[] wrongHash = SHA256.HashData("something else"u8);
        byte[]? result = null;
        for (int i = 0; i < count; i++)
        {
            var data = whole.AsMemory(i * size, Math.Min(size, whole.Length - (i * size)));
            result = assembler.Take("t/a", Seq(ChunkCodec.Encode(new ChunkMessage("x", i, count, whole.Length, size, wrongHash, SHA256.HashData(data.Span), data))));
        }

        Assert.Null(result);
        Assert.Equal(1, assembler.Metrics.FailedFor(TransferFailure.HashMismatch));
        Assert.Equal(0, assembler.Metrics.Completed);
        Assert.Equal(0, assembler.OpenTransfers);
    }

    [Fact]
    public void AChunkDisagreeingWithItsTransfer_IsRefused()
    {
        using var assembler = Create();
        var a = Split(RandomNumberGenerator.GetBytes(20_000), "same");
        var b = Split(RandomNumberGenerator.GetBytes(20_000), "same"); // same id and shape, another whole
        Assert.Null(assembler.Take("t/a", Seq(a[0])));
        Assert.Null(assembler.Take("t/a", Seq(b[1])));
        Assert.Equal(1, assembler.Metrics.RejectedFor(ChunkRejection.Inconsistent));

        // The same transfer id from another sender (topic) is another transfer.
        Assert.Null(assembler.Take("t/b", Seq(b[0])));
        Assert.Equal(2, assembler.OpenTransfers);
    }

    [Fact]
    public void AWholeOverTheReceiversLimit_IsRefusedOnItsFirstChunk()
    {
        using var assembler = Create(maxMessageBytes: 10_000);
        var chunks = Split(RandomNumberGenerator.GetBytes(20_000));
        Assert.Null(assembler.Take("t/a", Seq(chunks[0])));
        Assert.Equal(1, assembler.Metrics.RejectedFor(ChunkRejection.TooLarge));
        Assert.Equal(0, assembler.OpenTransfers);
    }

    [Fact]
    public void TooManyTransfers_AreRefused_AndASendersNewTransferSupersedesItsOldest()
    {
        using var assembler = Create(new ChunkingOptions { MaxTransfers = 3, MaxTransfersPerSender = 2 });
        byte[] whole = RandomNumberGenerator.GetBytes(20_000);

        // Sender a starts three transfers: the third supersedes its first.
        var a1 = Split(whole);
        var a2 = Split(whole);
        var a3 = Split(whole);
        assembler.Take("t/a", Seq(a1[0]));
        assembler.Take("t/a", Seq(a2[0]));
        assembler.Take("t/a", Seq(a3[0]));
        Assert.Equal(2, assembler.OpenTransfers);
        Assert.Equal(1, assembler.Metrics.FailedFor(TransferFailure.Superseded));

        // Overall limit 3: sender b gets one, sender c is refused (busy) and sends again later.
        assembler.Take("t/b", Seq(Split(whole)[0]));
        assembler.Take("t/c", Seq(Split(whole)[0]));
        Assert.Equal(3, assembler.OpenTransfers);
        Assert.Equal(1, assembler.Metrics.RejectedFor(ChunkRejection.Busy));

        // The transfers held still complete.
        byte[]? result = null;
        foreach (var chunk in a3.Skip(1))
        {
            result = assembler.Take("t/a", Seq(chunk));
        }

        Assert.Equal(whole, result);
    }

    [Fact]
    public void PendingBytes_AreBounded()
    {
        using var assembler = Create(new ChunkingOptions { MaxPendingBytes = 1024 * 1024 }, maxMessageBytes: 4 * 1024 * 1024);
        var big = Split(RandomNumberGenerator.GetBytes(700_000), payload: 65_536);
        assembler.Take("t/a", Seq(big[0]));
        assembler.Take("t/b", Seq(Split(RandomNumberGenerator.GetBytes(700_000), payload: 65_536)[0]));
        Assert.Equal(1, assembler.OpenTransfers);
        Assert.Equal(700_000, assembler.PendingBytes);
        Assert.Equal(1, assembler.Metrics.RejectedFor(ChunkRejection.Busy));
    }

    [Fact]
    public void IncompleteTransfers_CostNoMemoryOfTheirSize()
    {
        // Eight transfers of 4 MB each, all but their last chunk in: the chunks go to files, not to memory.
        const int transfers = 8;
        const int size = 4 * 1024 * 1024;
        using var assembler = Create(new ChunkingOptions { MaxTransfers = 16, MaxTransfersPerSender = 1 }, maxMessageBytes: size);
        byte[] whole = RandomNumberGenerator.GetBytes(size);
        var encoded = Enumerable.Range(0, transfers).Select(_ => Split(whole, payload: 131_072)).ToList();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < transfers; t++)
        {
            foreach (var chunk in encoded[t].SkipLast(1))
            {
                Assert.Null(assembler.Take($"t/{t}", Seq(chunk)));
            }
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(transfers, assembler.OpenTransfers);
        Assert.Equal((long)transfers * size, assembler.PendingBytes);
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated while taking {(long)transfers * size} bytes of chunks");

        // Completing one allocates its whole, once.
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(whole, assembler.Take("t/0", Seq(encoded[0][^1])));
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, size, size + (256 * 1024));
    }

    [Fact]
    public async Task Wrap_PassesWholeMessagesUnchanged_AndReassembledOnesOnce()
    {
        using var assembler = Create();
        var seen = new List<byte[]>();
        var handler = assembler.Wrap((m, _) =>
        {
            seen.Add(m.Payload.ToArray());
            return Task.CompletedTask;
        });

        byte[] small = RandomNumberGenerator.GetBytes(100);
        await handler(new InboundMessage("t/a", Seq(small), Retain: true), CancellationToken.None);
        byte[] whole = RandomNumberGenerator.GetBytes(30_000);
        foreach (var chunk in Split(whole))
        {
            await handler(new InboundMessage("t/a", Seq(chunk), Retain: false), CancellationToken.None);
        }

        Assert.Equal(2, seen.Count);
        Assert.Equal(small, seen[0]);
        Assert.Equal(whole, seen[1]);
    }

    [Fact]
    public void Options_AreValidated_NamingTheKey()
    {
        var problems = ChunkingOptions.Problems(new ChunkingOptions { MaxPayloadBytes = 100, TransferTimeout = TimeSpan.Zero, MaxTransfers = 0, MaxTransfersPerSender = 5, MaxPendingBytes = 1, Directory = "/no/such/folder" }, "Cloud:Chunking").ToList();
        Assert.Contains(problems, p => p.StartsWith("Cloud:Chunking:MaxPayloadBytes must be 0 (off) or 4096-", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cloud:Chunking:TransferTimeout", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cloud:Chunking:MaxTransfers must", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cloud:Chunking:MaxTransfersPerSender", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cloud:Chunking:MaxPendingBytes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Cloud:Chunking:Directory", StringComparison.Ordinal));
        Assert.Empty(ChunkingOptions.Problems(new ChunkingOptions(), "Cloud:Chunking"));
        Assert.Empty(ChunkingOptions.Problems(new ChunkingOptions { MaxPayloadBytes = 131_072 }, "Cloud:Chunking"));
    }

    private ChunkAssembler Create(ChunkingOptions? options = null, long maxMessageBytes = 1024 * 1024)
    {
        options ??= new ChunkingOptions();
        options.Directory = _directory;
        return new ChunkAssembler(options, maxMessageBytes, NullLogger.Instance, time: _time);
    }

    private static List<byte[]> Split(byte[] whole, string? id = null, long payload = MaxPayload) => ChunkCodec.Split(whole, payload, id).ToList();

    private static ReadOnlySequence<byte> Seq(byte[] bytes) => new(bytes);
}
