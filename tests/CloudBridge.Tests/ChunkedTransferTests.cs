using System.Collections.Concurrent;
using EdgeFL.CloudBridge.Link;
using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Storage;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>
/// Issue 13, item 1: models larger than the broker allows. A real mosquitto with <c>max_packet_size 131072</c>
/// (128 KiB) between gateways' uplinks and the cloud aggregator, and models of 6 MB: uploads and global models
/// travel in chunks, are reassembled, verified and applied; without chunking the broker refuses them.
/// </summary>
public sealed class ChunkedTransferTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>mosquitto's limit in the test: the whole MQTT packet (header, topic, properties, payload).</summary>
    private const int BrokerMaxPacket = 131_072;

    /// <summary>The chunking threshold: 1 KiB under the broker's packet limit, for the topic and MQTT's header.</summary>
    private const long MaxPayload = BrokerMaxPacket - 1024;

    /// <summary>Floats in the test model: 6 MB of float32, as a larger MLP or a small CNN.</summary>
    private const int Elements = 1_500_000;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly CloudTestFolder _folder = new("edgefl-chunked-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task SeveralMBModels_CrossA128KiBBroker_InChunks_AndASyncCompletes()
    {
        await using var broker = await Mosquitto.StartAsync(LimitedListener);
        var gw1Outbox = CloudServiceTests.MemoryOutbox();
        var gw2Outbox = CloudServiceTests.MemoryOutbox();
        await using var gw1 = Uplink("gw-1", broker.Port, gw1Outbox, MaxPayload);
        await using var gw2 = Uplink("gw-2", broker.Port, gw2Outbox, MaxPayload);
        await gw1.StartAsync();
        await gw2.StartAsync();
        await TestWait.UntilAsync(() => gw1.IsConnected && gw2.IsConnected, "the uplinks connected", Timeout);

        // The gateways are subscribed before the cloud publishes its seed: a chunked global model is not retained.
        using var cloud = BuildCloud(broker.Port, expectedGateways: 2, MaxPayload);
        await cloud.StartAsync();
        var link = cloud.Services.GetRequiredService<GatewayLink>();
        var seed1 = await gw1.WaitForGlobalAsync(0, Timeout);
        var seed2 = await gw2.WaitForGlobalAsync(0, Timeout);
        Assert.Equal(0f, seed1!.Model.Tensors[0].AsFloat32()[Elements - 1]);
        Assert.Equal(0, seed2!.Round);

        await gw1.UploadAsync(Upload("gw-1", 100, 1f));
        await gw2.UploadAsync(Upload("gw-2", 300, 5f));

        // The global model of the sync: (100 x 1 + 300 x 5) / 400 = 4, reassembled and signature-checked at each gateway.
        foreach (var uplink in new[] { gw1, gw2 })
        {
            var global = await uplink.WaitForGlobalAsync(5, Timeout);
            Assert.NotNull(global);
            var w = global.Model.Tensors[0].AsFloat32();
            Assert.Equal(Elements, w.Length);
            Assert.Equal(4f, w[0], 5);
            Assert.Equal(4f, w[Elements / 2], 5);
            Assert.Equal(4f, w[Elements - 1], 5);
        }

        await TestWait.UntilAsync(() => gw1Outbox.Count == 0 && gw2Outbox.Count == 0, "both outboxes emptied by the cloud's acknowledgements", Timeout);
        Assert.Equal(1, gw1.Delivered);
        Assert.Equal(1, gw2.Delivered);
        Assert.Equal(2, cloud.Services.GetRequiredService<CloudAggregator>().Metrics.Accepted);

        var up = link.UploadChunks.Metrics;
        int chunksPerModel = (int)Math.Ceiling((Elements * 4.0) / Core.Wire.ChunkCodec.ChunkSizeFor(MaxPayload));
        output.WriteLine($"uploads: {up.Completed} transfers, {up.Received} chunks, {up.Duplicates} duplicates; gateway 1 globals: {gw1.GlobalChunks.Metrics.Completed} transfers of {gw1.GlobalChunks.Metrics.Received} chunks");
        Assert.Equal(2, up.Completed);
        Assert.True(up.Received >= 2 * chunksPerModel, $"{up.Received} upload chunks, at least {2 * chunksPerModel} expected");
        Assert.Empty(up.FailedByReason);
        Assert.Empty(up.RejectedByReason);
        Assert.Equal(2, gw1.GlobalChunks.Metrics.Completed); // the seed and the sync's global model
        Assert.Empty(gw1.GlobalChunks.Metrics.FailedByReason);
        await cloud.StopAsync();
    }

    [Fact]
    public async Task WithoutChunking_TheBrokerRefusesTheUpload_AndItStaysInTheOutbox()
    {
        await using var broker = await Mosquitto.StartAsync(LimitedListener);
        var lines = new ConcurrentQueue<string>();
        var outbox = CloudServiceTests.MemoryOutbox();
        await using var uplink = new CloudUplink(
            new CloudUplinkOptions { Enabled = true, Port = broker.Port, AckTimeout = TimeSpan.FromSeconds(5), Retry = new() { FirstDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(200) } },
            "gw-1", new TopicScheme(), outbox, _folder.CloudKey, new ListLogger(lines));
        int copies = 0;
        await using var watcher = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "watcher" }, NullLogger.Instance);
        await watcher.SubscribeAsync(new TopicScheme().CloudUploadFilter, MqttQos.AtLeastOnce, (_, _) =>
        {
            Interlocked.Increment(ref copies);
            return Task.CompletedTask;
        });
        await watcher.StartAsync();
        await watcher.WaitConnectedAsync().WaitAsync(Timeout);
        await uplink.StartAsync();
        await TestWait.UntilAsync(() => uplink.IsConnected, "the uplink connected", Timeout);

        await uplink.UploadAsync(Upload("gw-1", 100, 1f));
        // mosquitto closes the connection on the over-size PUBLISH (MQTT 5 DISCONNECT, Packet too large); the uplink
        // reconnects and sends it again, and again.
        await TestWait.UntilAsync(() => lines.Count(l => l.Contains("disconnected: PacketTooLarge", StringComparison.Ordinal)) >= 2, "mosquitto refusing the upload twice", Timeout);

        Assert.Equal(0, Volatile.Read(ref copies));
        Assert.Equal(1, outbox.Count);
        Assert.Equal(0, uplink.Delivered);
    }

    [Fact]
    public async Task AnUplinkStoppedMidTransfer_SendsTheWholeUploadAgainFromItsOutboxFile_AndTheCloudAppliesItOnce()
    {
        await using var broker = await Mosquitto.StartAsync(LimitedListener);
        using var cloud = BuildCloud(broker.Port, expectedGateways: 1, MaxPayload);
        await cloud.StartAsync();
        var link = cloud.Services.GetRequiredService<GatewayLink>();
        string outboxPath = Path.Combine(_folder.Directory, "gateway.db");

        // Small chunks (16 KiB: 366 per upload), so the sender is stopped well inside the transfer.
        const long smallChunks = 16 * 1024;
        var db = StateDatabase.Open(outboxPath, DurableOutbox.Schema, NullLogger.Instance);
        var first = Uplink("gw-1", broker.Port, new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance), smallChunks);
        await first.StartAsync();
        Assert.NotNull(await first.WaitForGlobalAsync(0, Timeout));
        await first.UploadAsync(Upload("gw-1", 100, 3f));
        await TestWait.UntilAsync(() => link.UploadChunks.Metrics.Received >= 20, "the first chunks at the cloud", Timeout);
        await first.DisposeAsync(); // the sender stops between two chunks; the upload is still in the outbox file
        db.Dispose();
        long chunksBefore = link.UploadChunks.Metrics.Received;
        Assert.Equal(0, link.UploadChunks.Metrics.Completed);

        // The gateway again, from the same outbox file: the whole upload goes again, as a new transfer.
        using var db2 = StateDatabase.Open(outboxPath, DurableOutbox.Schema, NullLogger.Instance);
        var outbox = new DurableOutbox(db2, new OutboxOptions(), NullLogger.Instance);
        Assert.Equal(1, outbox.Count);
        await using var second = Uplink("gw-1", broker.Port, outbox, smallChunks);
        await second.StartAsync();
        var global = await second.WaitForGlobalAsync(5, Timeout);
        Assert.Equal(3f, global!.Model.Tensors[0].AsFloat32()[Elements - 1], 5);
        await TestWait.UntilAsync(() => outbox.Count == 0, "the outbox emptied by the acknowledgement", Timeout);

        var metrics = link.UploadChunks.Metrics;
        output.WriteLine($"chunks before the stop: {chunksBefore}; after: {metrics.Received}; transfers completed {metrics.Completed}, open {link.UploadChunks.OpenTransfers}");
        Assert.Equal(1, cloud.Services.GetRequiredService<CloudAggregator>().Metrics.Accepted);
        Assert.Equal(1, metrics.Completed);
        Assert.Equal(1, link.UploadChunks.OpenTransfers); // the abandoned transfer, until Cloud:Chunking:TransferTimeout
        Assert.Empty(metrics.RejectedByReason);
        await cloud.StopAsync();
    }

    private static string LimitedListener(int port) => $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_packet_size {BrokerMaxPacket}\n";

    private static ModelState Big(float value)
    {
        var w = new float[Elements];
        Array.Fill(w, value);
        return new ModelState([NamedTensor.FromFloat32("w", [Elements], w), NamedTensor.FromInt64("n", [1], [(long)value])]);
    }

    private static GatewayUpload Upload(string gateway, long samples, float value) =>
        new(gateway, GatewayUpload.MakeUploadId(gateway, 1), 1, "m", 5, samples, DateTimeOffset.UtcNow, Big(value));

    private CloudUplink Uplink(string gatewayId, int port, DurableOutbox outbox, long maxPayload) =>
        new(new CloudUplinkOptions { Enabled = true, Port = port, Chunking = new ChunkingOptions { MaxPayloadBytes = maxPayload } }, gatewayId, new TopicScheme(), outbox, _folder.CloudKey, _folder.Errors.Logger(gatewayId));

    private IHost BuildCloud(int port, int expectedGateways, long maxPayload) =>
        TestCloudHost.Build(_folder, port, expectedGateways, new StaticModelSeed(new ModelMessage("m", 0, "seed", 0, DateTimeOffset.UnixEpoch, Big(0))), new()
        {
            ["Cloud:EmbeddedBroker"] = "false",
            ["Cloud:Chunking:MaxPayloadBytes"] = maxPayload.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{eventId.Id} {logLevel}: {formatter(state, exception)} {exception?.Message}");
    }
}
