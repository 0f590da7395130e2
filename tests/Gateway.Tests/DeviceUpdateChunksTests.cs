using System.Buffers;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.Link;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 13, item 1 (devices): the embedded broker's answer to each chunk of a device's update. The chunk that completes
/// the transfer carries the whole update's verdict; the last chunk of a transfer still incomplete tells the device to
/// keep the update and send it again; a bad chunk or an oversized transfer is refused.
/// </summary>
public sealed class DeviceUpdateChunksTests : IDisposable
{
    private const string Topic = "edgefl/v1/gw/devices/a/update";
    private const long MaxPayload = 4096;
    private readonly DeviceUpdateChunks _chunks = new(new ChunkingOptions(), 1024 * 1024, NullLogger.Instance, meter: null);
    private readonly List<byte[]> _admitted = [];

    public void Dispose() => _chunks.Dispose();

    [Fact]
    public void AWholeUpdate_GoesStraightToAdmission()
    {
        byte[] whole = Bytes(100);
        var verdict = _chunks.Take(Message(whole), Admit);
        Assert.Equal("admitted", verdict.Reason);
        Assert.Equal(whole, Assert.Single(_admitted));
        Assert.Equal(0, _chunks.Assembler.Metrics.Received);
    }

    [Fact]
    public void EveryChunkButTheLast_IsTaken_AndTheLastCarriesTheWholesVerdict()
    {
        byte[] whole = Bytes(20_000);
        var chunks = ChunkCodec.Split(whole, MaxPayload).ToList();
        Assert.True(chunks.Count >= 5);
        foreach (byte[] chunk in chunks.SkipLast(1))
        {
            Assert.Equal(ConsumerVerdict.Taken(), _chunks.Take(Message(chunk), Admit));
        }

        Assert.Empty(_admitted);
        Assert.Equal("admitted", _chunks.Take(Message(chunks[^1]), Admit).Reason);
        Assert.Equal(whole, Assert.Single(_admitted));
        Assert.Equal(1, _chunks.Assembler.Metrics.Completed);
    }

    [Fact]
    public void TheLastChunkOfAnIncompleteTransfer_TellsTheDeviceToKeepTheUpdate_AndTheResendIsAdmitted()
    {
        byte[] whole = Bytes(20_000);
        var cut = ChunkCodec.Split(whole, MaxPayload).ToList();
        Assert.Equal(ConsumerVerdict.Taken(), _chunks.Take(Message(cut[0]), Admit));
        var last = _chunks.Take(Message(cut[^1]), Admit); // the chunks between were lost with the connection
        Assert.Equal(ConsumerAnswer.Keep, last.Answer);
        Assert.StartsWith("Incomplete:", last.Reason, StringComparison.Ordinal);
        Assert.Empty(_admitted);

        foreach (byte[] chunk in ChunkCodec.Split(whole, MaxPayload))
        {
            _chunks.Take(Message(chunk), Admit);
        }

        Assert.Equal(whole, Assert.Single(_admitted));
        Assert.Equal(1, _chunks.Assembler.OpenTransfers); // the cut one, until Gateway:Broker:Chunking:TransferTimeout
    }

    [Fact]
    public void AnUpdateSentAgainWholeInANewTransfer_IsADuplicate_AndCountsOnce()
    {
        // The device's last PUBACK was lost with its link after the gateway had admitted the update: it sends it again.
        var metrics = new GatewayMetrics();
        var rounds = new RoundCoordinator(new GatewayOptions(), metrics, NullLogger.Instance, new ManualTimeProvider());
        rounds.Adopt(TestModels.Message(TestModels.Filled(0, size: 5000)));
        rounds.BeginRound();
        byte[] update = TestModels.Payload("a", 1, 10, TestModels.Filled(1, size: 5000)).ToArray();
        ConsumerVerdict Admit(InboundMessage m) => UpdateVerdicts.For(rounds.Take("a", m.Payload));

        var verdicts = new List<ConsumerVerdict>();
        for (int copy = 0; copy < 2; copy++)
        {
            ConsumerVerdict last = default;
            foreach (byte[] chunk in ChunkCodec.Split(update, MaxPayload))
            {
                last = _chunks.Take(Message(chunk), Admit);
            }

            verdicts.Add(last);
        }

        Assert.Equal((ConsumerAnswer.Taken, ""), (verdicts[0].Answer, verdicts[0].Reason));
        Assert.Equal(ConsumerAnswer.Taken, verdicts[1].Answer);
        Assert.StartsWith("Duplicate:", verdicts[1].Reason, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Accepted);
        Assert.Equal(2, _chunks.Assembler.Metrics.Completed);
    }

    [Fact]
    public void AMalformedChunk_AndAnOversizedTransfer_AreRefused()
    {
        byte[] chunk = ChunkCodec.Split(Bytes(20_000), MaxPayload).First();
        chunk[^1] ^= 0xff; // its data no longer matches its chunk_sha256
        var corrupt = _chunks.Take(Message(chunk), Admit);
        Assert.Equal(ConsumerAnswer.Malformed, corrupt.Answer);
        Assert.Equal(1, _chunks.Assembler.Metrics.RejectedFor(ChunkRejection.CorruptChunk));

        var tooLarge = _chunks.Take(Message(ChunkCodec.Split(Bytes((1024 * 1024) + 1), 256 * 1024).First()), Admit);
        Assert.Equal(ConsumerAnswer.Refused, tooLarge.Answer);
        Assert.StartsWith("TooLarge:", tooLarge.Reason, StringComparison.Ordinal);
        Assert.Equal(1, _chunks.Assembler.Metrics.RejectedFor(ChunkRejection.TooLarge));
        Assert.Empty(_admitted);
    }

    [Theory]
    [InlineData("Gateway:Broker:Chunking:MaxPayloadBytes", "100", "Gateway:Broker:Chunking:MaxPayloadBytes must be 0 (off) or 4096-268435456 (was 100)")]
    [InlineData("Gateway:Broker:Chunking:TransferTimeout", "00:00:00", "Gateway:Broker:Chunking:TransferTimeout must be between 1 second and 1 day")]
    [InlineData("Gateway:Broker:Chunking:MaxTransfersPerSender", "0", "Gateway:Broker:Chunking:MaxTransfersPerSender must be 1-")]
    public void BadOptions_AreRefusedAtStart_NamingTheKey(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:InitialModelPath"] = typeof(DeviceUpdateChunksTests).Assembly.Location,
            [key] = value,
        }).Build();
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()!;
        var result = new GatewayOptionsValidator(configuration).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void ChunkingIsOffByDefault()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:InitialModelPath"] = typeof(DeviceUpdateChunksTests).Assembly.Location }).Build();
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()!;
        Assert.Equal(0, options.Broker.Chunking.MaxPayloadBytes);
        Assert.False(new DeviceModelPublisher("gw", "t", options.Broker.Chunking.MaxPayloadBytes, NullLogger.Instance).IsChunked(100L * 1024 * 1024));
    }

    private static InboundMessage Message(byte[] payload) => new(Topic, new ReadOnlySequence<byte>(payload), Retain: false);

    private static byte[] Bytes(int n)
    {
        var bytes = new byte[n];
        new Random(n).NextBytes(bytes);
        return bytes;
    }

    private ConsumerVerdict Admit(InboundMessage message)
    {
        _admitted.Add(message.Payload.ToArray());
        return ConsumerVerdict.Taken("admitted");
    }
}
