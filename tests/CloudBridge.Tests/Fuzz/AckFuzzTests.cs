using EdgeFL.CloudLink;
using System.Buffers;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.CloudBridge.Tests.Fuzz;

/// <summary>
/// Ingress: the cloud's upload acknowledgements, as the gateway's uplink receives them. 10,000 mutated
/// and random payloads arrive while the uplink waits for the acknowledgement of upload gw-1:7. None may
/// throw, and the wait completes exactly when the payload is a well-formed ack for this gateway naming
/// that upload (anything else would let an upload leave the outbox unapplied).
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class AckFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = FuzzCampaign.ScratchDirectory("ack");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task MutatedAcknowledgements_CompleteTheWait_OnlyWhenTheyNameTheUpload()
    {
        var topics = new TopicScheme();
        using var db = StateDatabase.Open(StateDatabase.InMemory, DurableOutbox.Schema, NullLogger.Instance);
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        using var verifier = new TestKeys(_dir).Verifier("cloud");
        await using var uplink = new CloudUplink(new CloudUplinkOptions { Enabled = true, AckTimeout = TimeSpan.FromSeconds(30) }, "gw-1", topics, outbox, verifier, NullLogger.Instance);
        var upload = new GatewayUpload("gw-1", "gw-1:7", 7, "m", 7, 100, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(1));
        outbox.Enqueue(topics.CloudUpload("gw-1"), WireCodec.Encode(upload), "model:gw-1");
        var entry = outbox.Peek()!;
        byte[][] seeds =
        [
            WireCodec.Encode(new UploadAck("gw-1", "gw-1:7", 7, UploadAck.Accepted)),
            WireCodec.Encode(new UploadAck("gw-1", "gw-1:7", 7, "stale")),
            WireCodec.Encode(new UploadAck("gw-1", "gw-1:8", 8, UploadAck.Accepted)),
            WireCodec.Encode(new UploadAck("gw-2", "gw-1:7", 7, UploadAck.Accepted)),
            WireCodec.Encode(new RoundDecline("gw-1:7", 7, "accepted")),
        ];
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        string topic = topics.CloudAck("gw-1");

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ => new FuzzCase(mutator.Next(seeds, out string how), how, topic),
            c =>
            {
                var wait = uplink.ExpectAck(entry)!;
                var payload = new ReadOnlySequence<byte>(c.Bytes);
                Assert.True(uplink.OnAckAsync(new InboundMessage(topic, payload, false), default).IsCompletedSuccessfully);
                bool names = c.Bytes.Length <= 4096 && WireCodec.TryDecodeAck(payload, DecodeLimits.Default, out var ack, out _) && ack!.GatewayId == "gw-1" && ack.UploadId == "gw-1:7";
                Assert.Equal(names, wait.Task.IsCompleted);
                if (names)
                {
                    Assert.Equal("gw-1:7", wait.Task.Result.UploadId);
                }

                return names;
            });

        output.WriteLine($"ack ingress: {result}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0, result.ToString());
    }
}
