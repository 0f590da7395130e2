using System.Buffers;
using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 15, finding 1 at the gateway: a global model for round 2^63-3 was adopted and the next round
/// number overflowed. A global model naming a round outside 0..2^53-1 is refused and counted.
/// </summary>
public sealed class AbsurdGlobalRoundTests
{
    [Theory]
    [InlineData(9223372036854775805)]
    [InlineData(RoundNumbers.Max + 1)]
    [InlineData(-1)]
    public async Task AGlobalModelOfAnAbsurdRound_IsRefusedAndCounted(long round)
    {
        var topics = new TopicScheme();
        using var db = StateDatabase.Open(StateDatabase.InMemory, DurableOutbox.Schema, NullLogger.Instance);
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        await using var uplink = new CloudUplink(new CloudUplinkOptions(), "gw", topics, outbox, new ModelVerifier([], requireSigned: false), NullLogger.Instance);
        var metrics = new GatewayMetrics();
        uplink.GlobalRejected += metrics.CountGlobalRejected;

        byte[] payload = WireCodec.Encode(TestModels.Message(TestModels.Filled(1), round));
        await uplink.OnGlobalAsync(new InboundMessage(topics.CloudGlobalModel, new ReadOnlySequence<byte>(payload), Retain: true), CancellationToken.None);

        Assert.Null(uplink.LatestGlobal);
        Assert.Equal(1, metrics.GlobalModelsRejected);

        // A sane one is still taken afterwards.
        byte[] sane = WireCodec.Encode(TestModels.Message(TestModels.Filled(1), 10));
        await uplink.OnGlobalAsync(new InboundMessage(topics.CloudGlobalModel, new ReadOnlySequence<byte>(sane), Retain: true), CancellationToken.None);
        Assert.Equal(10, uplink.LatestGlobal!.Round);
    }
}
