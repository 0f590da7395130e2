using System.Globalization;
using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>
/// The cloud's end-to-end acknowledgement of uploads ({prefix}/cloud/acks/{gw}), on a real mosquitto:
/// a broker's PUBACK says only that the broker took the upload. With no aggregator subscribed, mosquitto
/// acknowledges and drops it; the gateway must keep it and send it again.
/// </summary>
public sealed class UploadAckTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly CloudTestFolder _folder = new("edgefl-ack-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AnUploadTheBrokerTookButNoAggregatorGot_StaysQueued_AndIsSentAgainUntilTheCloudAcknowledgesIt()
    {
        await using var broker = await Mosquitto.StartAsync();
        var outbox = CloudServiceTests.MemoryOutbox();
        await using var uplink = Uplink(broker.Port, outbox, TimeSpan.FromSeconds(1));
        await uplink.StartAsync();
        await TestWait.UntilAsync(() => uplink.IsConnected, "uplink connected", Timeout);

        // No aggregator: mosquitto sends its PUBACK, and no acknowledgement comes. A plain subscriber (not an
        // aggregator: it acknowledges nothing) sees the upload sent, then sent again after the acknowledgement
        // timeout: the second copy is the proof that the PUBACK did not count as delivery.
        var upload = Upload("gw-1:1", 1);
        int copies = 0;
        await using var watcher = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "watcher" }, NullLogger.Instance);
        await watcher.SubscribeAsync(uplink.Prepare(upload).Topic, MqttQos.AtLeastOnce, (_, _) =>
        {
            Interlocked.Increment(ref copies);
            return Task.CompletedTask;
        });
        await watcher.StartAsync();
        await watcher.WaitConnectedAsync().WaitAsync(Timeout);

        await uplink.UploadAsync(upload);
        await TestWait.UntilAsync(() => Volatile.Read(ref copies) >= 2, "the upload sent again", Timeout);
        Assert.Equal(1, outbox.Count);
        Assert.Equal(0, uplink.Delivered);

        // The aggregator comes: the upload is sent again, applied, acknowledged, and leaves the outbox.
        using var cloud = BuildCloud(broker.Port);
        await cloud.StartAsync();
        var global = await uplink.WaitForGlobalAsync(1, Timeout);
        Assert.NotNull(global);
        await TestWait.UntilAsync(() => outbox.Count == 0, "the outbox emptied by the acknowledgement", Timeout);
        Assert.Equal(1, uplink.Delivered);
        await cloud.StopAsync();
    }

    [Fact]
    public async Task AnUploadTheCloudRefusesForGood_IsDeadLettered_AndTheNextOneGoesOn()
    {
        await using var broker = await Mosquitto.StartAsync();
        using var cloud = BuildCloud(broker.Port);
        await cloud.StartAsync();

        // Without coalescing, so that the refused upload is not simply superseded by the next.
        var outbox = new DurableOutbox(Storage.StateDatabase.Open(":memory:", DurableOutbox.Schema, NullLogger.Instance), new OutboxOptions { CoalesceModelUploads = false }, _folder.Errors.Logger("outbox"));
        await using var uplink = Uplink(broker.Port, outbox, TimeSpan.FromSeconds(30));
        await uplink.StartAsync();
        Assert.NotNull(await uplink.WaitForGlobalAsync(0, Timeout));

        // Round 0 is not after the global model's round 0: refused as stale, for good. The next is applied.
        _folder.Errors.Expect(3208); // OutboxLog.RefusedForGood: the dead letter the test causes
        await uplink.UploadAsync(Upload("gw-1:0", 0));
        await uplink.UploadAsync(Upload("gw-1:1", 1));

        Assert.NotNull(await uplink.WaitForGlobalAsync(1, Timeout));
        await TestWait.UntilAsync(() => outbox.Count == 0, "the outbox emptied", Timeout);
        Assert.Equal(1, outbox.DeadLetterCount);
        Assert.Equal(1, uplink.Delivered);
        await cloud.StopAsync();
    }

    [Fact]
    public async Task AnUploadWhoseAckWasLost_SentAgainAfterItsSyncWasPublished_IsAnsweredApplied_NotDeadLettered()
    {
        await using var broker = await Mosquitto.StartAsync();
        using var cloud = BuildCloud(broker.Port);
        await cloud.StartAsync();
        var aggregator = RabbitMqTestBed.Aggregator(cloud);
        await TestWait.UntilAsync(() => aggregator.Global is not null, "the cloud's seed adopted", Timeout);

        // The gateway published its upload and crashed before the ack came (or the ack died with a broker node):
        // the cloud applied it and, the only expected gateway being in, published the sync's global model.
        var outbox = CloudServiceTests.MemoryOutbox();
        await using var first = Uplink(broker.Port, outbox, TimeSpan.FromSeconds(30));
        var (topic, payload, key) = first.Prepare(Upload("gw-1:1", 1));
        await using (var crashed = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "gw-1-before-the-crash" }, NullLogger.Instance))
        {
            await crashed.StartAsync();
            await crashed.WaitConnectedAsync().WaitAsync(Timeout);

            // Sent again until applied: the cloud may not have subscribed to uploads yet (mosquitto keeps nothing for it).
            var deadline = DateTime.UtcNow + Timeout;
            while (aggregator.Metrics.Accepted == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the upload applied");
                await crashed.PublishAsync(topic, payload, MqttQos.AtLeastOnce, retain: false);
                var next = DateTime.UtcNow + TimeSpan.FromSeconds(2);
                while (aggregator.Metrics.Accepted == 0 && DateTime.UtcNow < next)
                {
                    await Task.Delay(20);
                }
            }
        }

        await TestWait.UntilAsync(() => aggregator.Global?.Round == 5, "the sync (round 5) published with the upload", Timeout);
        long duplicatesBefore = RabbitMqTestBed.Duplicates(cloud);

        // Restarted, its outbox still holds the upload and sends it again: the cloud answers that it was applied.
        outbox.Enqueue(topic, payload, key);
        await first.StartAsync();
        await TestWait.UntilAsync(() => outbox.Count == 0, "the resent upload acknowledged", Timeout);
        Assert.Equal(0, outbox.DeadLetterCount);
        Assert.Equal(1, first.Delivered);
        Assert.Equal(1, aggregator.Metrics.Accepted);
        Assert.True(RabbitMqTestBed.Duplicates(cloud) > duplicatesBefore, "the resend answered as a duplicate");
        await cloud.StopAsync();
    }

    private CloudUplink Uplink(int port, DurableOutbox outbox, TimeSpan ackTimeout) =>
        new(new CloudUplinkOptions { Enabled = true, Port = port, AckTimeout = ackTimeout }, "gw-1", new TopicScheme(), outbox, _folder.CloudKey, _folder.Errors.Logger("uplink"));

    private static GatewayUpload Upload(string id, long round) =>
        new("gw-1", id, round, "m", 5, 100, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(round + 1));

    private IHost BuildCloud(int port) =>
        TestCloudHost.Build(_folder, port, expectedGateways: 1, new StaticModelSeed(new ModelMessage("m", 0, "seed", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0))), new() { ["Cloud:EmbeddedBroker"] = "false" });
}
