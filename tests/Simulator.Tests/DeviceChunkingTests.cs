using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.DeviceClient;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Gateway;
using EdgeFL.Gateway.Link;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Simulator.Tests;

/// <summary>
/// Issue 13, item 1, devices: a real gateway whose device broker is a mosquitto with <c>max_packet_size 131072</c>
/// (128 KiB), real devices, and a model of 6 MB. With chunking on both sides the round's model reaches the devices in
/// chunks (a late device too: chunked models are not retained, the gateway publishes it again when a device comes
/// online), updates arrive in chunks and are admitted once, also when a transfer is cut by a lost link; without chunking
/// the broker refuses the model.
/// </summary>
public sealed class DeviceChunkingTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>mosquitto's limit: the whole MQTT packet (header, topic, properties, payload).</summary>
    private const int BrokerMaxPacket = 131_072;

    /// <summary>The chunking threshold, 1 KiB under the broker's packet limit.</summary>
    private const long MaxPayload = BrokerMaxPacket - 1024;

    /// <summary>Floats in the model: 6 MB of float32.</summary>
    private const int Elements = 1_500_000;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-devchunk-").FullName;
    private readonly ErrorLog _errors = new();
    private readonly TopicScheme _topics = new();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    [Fact]
    public async Task SeveralMBModel_OverA128KiBMosquitto_RoundsComplete_ModelAndUpdatesInChunks_ALateDeviceGetsTheModel()
    {
        await using var broker = await Mosquitto.StartAsync(LimitedListener);

        // A watcher on the model topic: the round's model travels in chunks, and nothing is retained.
        var watcherChunks = new ChunkAssembler(new ChunkingOptions(), 64L * 1024 * 1024, NullLogger.Instance);
        int wholeModels = 0, retained = 0;
        await using var watcher = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "watcher" }, NullLogger.Instance);
        await watcher.SubscribeAsync(_topics.GatewayModel("gw"), MqttQos.AtLeastOnce, watcherChunks.Wrap((m, _) =>
        {
            if (m.Retain && !m.Payload.IsEmpty)
            {
                Interlocked.Increment(ref retained);
            }

            if (!m.Payload.IsEmpty)
            {
                Interlocked.Increment(ref wholeModels);
            }

            return Task.CompletedTask;
        }));
        await watcher.StartAsync();
        await watcher.WaitConnectedAsync().WaitAsync(Timeout);

        var rounds = Channel.CreateUnbounded<RoundResult>();
        using var gateway = await StartGatewayAsync(broker.Port, rounds.Writer, new()
        {
            ["Gateway:Broker:Chunking:MaxPayloadBytes"] = MaxPayload.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:MaxRounds"] = "2",
        });
        var link = gateway.Services.GetRequiredService<DeviceLink>();

        // Round 1's model is out, in chunks, before the device exists: it can only get it from the gateway's replay.
        await TestWait.UntilAsync(() => watcherChunks.Metrics.Completed >= 1, "round 1's model published in chunks", Timeout);
        var trainer = new AddOneTrainer();
        await using var device = Device("dev", broker.Port, trainer, MaxPayload);
        await device.StartAsync();

        for (long round = 1; round <= 2; round++)
        {
            var closed = await rounds.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal((round, RoundCloseReason.Quorum, 1), (closed.Round, closed.CloseReason, closed.Accepted));
        }

        // Round 2 started from round 1's aggregate (0 + 1): the model reached the device whole and verified, in chunks.
        Assert.Equal([(1L, 0f), (2L, 1f)], trainer.Starts.OrderBy(s => s.Round).ToArray());
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        Assert.Equal(2, metrics.Accepted);
        Assert.Empty(metrics.RejectedByReason);

        int chunksPerModel = (int)Math.Ceiling(Elements * 4.0 / Core.Wire.ChunkCodec.ChunkSizeFor(MaxPayload));
        var updates = link.UpdateChunks.Metrics;
        var models = device.ModelChunks.Metrics;
        output.WriteLine($"updates: {updates.Completed} transfers of {updates.Received} chunks; models at the device: {models.Completed} transfers of {models.Received} chunks, {models.Duplicates} duplicates; replays {link.Models.Replays}; watcher saw {wholeModels} models");
        Assert.Equal(2, updates.Completed);
        Assert.True(updates.Received >= 2 * chunksPerModel, $"{updates.Received} update chunks, at least {2 * chunksPerModel} expected");
        Assert.Empty(updates.FailedByReason);
        Assert.Empty(updates.RejectedByReason);
        Assert.True(models.Completed >= 2, $"{models.Completed} models reassembled at the device");
        Assert.Empty(models.FailedByReason);
        Assert.Empty(models.RejectedByReason);
        Assert.True(link.Models.Replays >= 1, "the gateway published round 1's model again when the device came online");
        Assert.Equal(0, Volatile.Read(ref retained));
        await gateway.StopAsync();
    }

    [Fact]
    public async Task OnTheEmbeddedBroker_ChunkedUpdatesGetTheirVerdictInThePubackOfTheLastChunk_AndRoundsComplete()
    {
        int port = TestPorts.Free();
        using var security = new TestSecurity();
        var rounds = Channel.CreateUnbounded<RoundResult>();
        using var gateway = await StartGatewayAsync(port, rounds.Writer, new()
        {
            ["Gateway:Broker:Embedded"] = "true",
            ["Gateway:Broker:CredentialsPath"] = security.CredentialsPath,
            ["Gateway:Broker:Chunking:MaxPayloadBytes"] = MaxPayload.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:WaitForDevices"] = "1",
            ["Gateway:Rounds:MaxRounds"] = "2",
        });
        var link = gateway.Services.GetRequiredService<DeviceLink>();
        var trainer = new AddOneTrainer();
        await using var device = Device("dev", port, trainer, MaxPayload, security.Provision("dev"));
        await device.StartAsync();

        for (long round = 1; round <= 2; round++)
        {
            var closed = await rounds.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal((round, RoundCloseReason.Quorum, 1), (closed.Round, closed.CloseReason, closed.Accepted));
        }

        Assert.Equal([(1L, 0f), (2L, 1f)], trainer.Starts.OrderBy(s => s.Round).ToArray());
        await TestWait.UntilAsync(() => device.BufferedUpdates == 0, "the last update's PUBACK", Timeout);
        Assert.Equal(2, link.UpdateChunks.Metrics.Completed);
        Assert.Empty(link.UpdateChunks.Metrics.RejectedByReason);
        Assert.True(device.ModelChunks.Metrics.Completed >= 2, $"{device.ModelChunks.Metrics.Completed} models reassembled at the device");
        Assert.Equal(2, gateway.Services.GetRequiredService<GatewayMetrics>().Accepted);
        await gateway.StopAsync();
    }

    [Fact]
    public async Task AfterTheBrokerRestarts_TheGatewayPublishesTheChunkedModelAgain_ForDevicesThatCameBack()
    {
        var broker = await Mosquitto.StartAsync(LimitedListener);
        int port = broker.Port;
        try
        {
            var rounds = Channel.CreateUnbounded<RoundResult>();
            using var gateway = await StartGatewayAsync(port, rounds.Writer, new()
            {
                ["Gateway:Broker:Chunking:MaxPayloadBytes"] = MaxPayload.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Rounds:WaitForDevices"] = "1",
            });
            var link = gateway.Services.GetRequiredService<DeviceLink>();
            var held = new HeldTrainer(); // round 1 stays open: the device never answers
            await using var device = Device("dev", port, held, MaxPayload);
            await device.StartAsync();
            await held.Started.Task.WaitAsync(Timeout);
            long before = device.ModelChunks.Metrics.Completed;

            // The broker dies and comes back empty (no retained messages, no wills sent): nothing tells the gateway
            // that the device was gone, yet a device back on the broker may have missed the model.
            await broker.DisposeAsync(); // SIGKILL: no wills
            broker = await Mosquitto.StartAsync(port, LimitedListener);
            await TestWait.UntilAsync(() => device.IsConnected && link.Connection!.IsConnected, "the device and the gateway reconnected", Timeout);
            await TestWait.UntilAsync(() => device.ModelChunks.Metrics.Completed > before, "round 1's model at the device again, in chunks", Timeout);
            Assert.True(link.Models.Replays >= 1);
            Assert.DoesNotContain(device.ModelChunks.Metrics.FailedByReason, kv => kv.Key != nameof(TransferFailure.TimedOut));
            await gateway.StopAsync();
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }

    [Fact]
    public async Task WithoutChunking_TheSameSetupFails_TheBrokerRefusesTheModel()
    {
        await using var broker = await Mosquitto.StartAsync(LimitedListener);
        var lines = new ConcurrentQueue<string>();
        var rounds = Channel.CreateUnbounded<RoundResult>();
        using var gateway = await StartGatewayAsync(broker.Port, rounds.Writer, [], new LineLoggerProvider(lines, "gateway", minimumLevel: LogLevel.Warning));
        var trainer = new AddOneTrainer();
        await using var device = Device("dev", broker.Port, trainer, maxPayload: 0);
        await device.StartAsync();

        // mosquitto closes the gateway's connection on the over-size PUBLISH (Packet too large); the gateway retries, and again.
        await TestWait.UntilAsync(() => lines.Count(l => l.Contains("disconnected: PacketTooLarge", StringComparison.Ordinal)) >= 2, "mosquitto refusing the model twice", Timeout);
        Assert.Equal(0, device.RoundsTrained);
        Assert.Empty(trainer.Starts);
        await gateway.StopAsync();
    }

    [Fact]
    public async Task ADeviceCutOffMidTransfer_SendsItsUpdateAgainWhole_AndItCountsOnce()
    {
        await using var broker = await Mosquitto.StartAsync(LimitedListener);
        var rounds = Channel.CreateUnbounded<RoundResult>();
        using var gateway = await StartGatewayAsync(broker.Port, rounds.Writer, new()
        {
            ["Gateway:Broker:Chunking:MaxPayloadBytes"] = MaxPayload.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:WaitForDevices"] = "2",
            ["Gateway:Rounds:QuorumFraction"] = "0.5", // one answer closes the round; the pacer never answers, so the round waits for the device
        });
        var link = gateway.Services.GetRequiredService<DeviceLink>();
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();

        // The device's chunks are small (3840 bytes: 1563 per update), so that the link is cut well inside the transfer.
        var held = new HeldTrainer();
        await using var pacer = Device("pacer", broker.Port, new HeldTrainer(), MaxPayload);
        await using var device = Device("dev", broker.Port, held, maxPayload: 4096);

        // The link drops when the gateway's broker has passed on the fifth chunk of the device's update.
        string updateTopic = _topics.DeviceUpdate("gw", "dev");
        int seen = 0;
        await using var cutter = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "cutter" }, NullLogger.Instance);
        await cutter.SubscribeAsync(updateTopic, MqttQos.AtLeastOnce, async (_, _) =>
        {
            if (Interlocked.Increment(ref seen) == 5)
            {
                await device.GoOfflineAsync();
            }
        });
        await cutter.StartAsync();
        await cutter.WaitConnectedAsync().WaitAsync(Timeout);

        await pacer.StartAsync();
        await device.StartAsync();
        await held.Started.Task.WaitAsync(Timeout);
        held.Release();
        await TestWait.UntilAsync(() => !device.IsConnected && Volatile.Read(ref seen) >= 5, "the device cut off during its update", Timeout);
        Assert.Equal(1, device.BufferedUpdates);
        Assert.Equal(0, link.UpdateChunks.Metrics.Completed);
        Assert.Equal(0, metrics.Accepted);
        long chunksBefore = link.UpdateChunks.Metrics.Received;

        // Back online: the whole update goes again under a new transfer id, and closes the round.
        device.GoOnline();
        var closed = await rounds.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal((1L, RoundCloseReason.Quorum, 1), (closed.Round, closed.CloseReason, closed.Accepted));
        await TestWait.UntilAsync(() => device.BufferedUpdates == 0, "the buffered update sent", Timeout);

        var chunks = link.UpdateChunks.Metrics;
        output.WriteLine($"chunks before the cut: {chunksBefore}; after: {chunks.Received}; transfers completed {chunks.Completed}, open {link.UpdateChunks.OpenTransfers}; cutter saw {seen}");
        Assert.Equal(1, metrics.Accepted); // counted once
        Assert.Equal(1, chunks.Completed);
        Assert.InRange(link.UpdateChunks.OpenTransfers, 0, 1); // the cut one, until Gateway:Broker:Chunking:TransferTimeout
        Assert.Empty(chunks.RejectedByReason);
        Assert.Empty(metrics.RejectedByReason);
        await gateway.StopAsync();
    }

    private static string LimitedListener(int port) => $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_packet_size {BrokerMaxPacket}\n";

    private async Task<IHost> StartGatewayAsync(int port, ChannelWriter<RoundResult> rounds, Dictionary<string, string?> settings, ILoggerProvider? log = null)
    {
        string modelPath = Path.Combine(_dir, "initial.efm");
        await ModelFile.SaveAsync(modelPath, new ModelMessage("m", 0, "test", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        var keys = new TestKeys(_dir);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var all = new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = ":memory:",
            ["Gateway:Signing:PrivateKeyPath"] = keys.PrivateKey("gw"),
            ["Gateway:InitialModelPath"] = modelPath,
            ["Gateway:Broker:Embedded"] = "false",
            ["Gateway:Broker:Host"] = "127.0.0.1",
            ["Gateway:Broker:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:Deadline"] = "00:05:00",
            ["Gateway:Retry:FirstDelay"] = "00:00:00.100",
            ["Gateway:Retry:MaxDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(all);
        builder.Logging.AddProvider(_errors.For("gateway"));
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
        }

        builder.Services.AddSingleton<IGatewayObserver>(new Observer(rounds));
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        var gateway = builder.Build();
        await gateway.StartAsync();
        return gateway;
    }

    private DeviceAgent Device(string id, int port, ILocalTrainer trainer, long maxPayload, string? password = null) => new(
        new DeviceOptions
        {
            DeviceId = id,
            GatewayId = "gw",
            BrokerPort = port,
            Password = password,
            Signing = new() { GatewayPublicKeyPath = new TestKeys(_dir).PublicKey("gw") },
            Chunking = new ChunkingOptions { MaxPayloadBytes = maxPayload },
        },
        new DeviceProfile(),
        trainer,
        new SimulatedBattery(3000, 0.9),
        _errors.Logger(id));

    private static ModelState Filled(float value)
    {
        var w = new float[Elements];
        Array.Fill(w, value);
        return new ModelState([NamedTensor.FromFloat32("w", [Elements], w)]);
    }

    private sealed class Observer(ChannelWriter<RoundResult> rounds) : IGatewayObserver
    {
        public void RoundCompleted(RoundResult result) => rounds.TryWrite(result);

        public void GlobalModelAdopted(string gatewayId, ModelMessage global)
        {
        }

        public void Finished(string gatewayId, long lastRound)
        {
        }
    }

    /// <summary>Adds 1 to every weight; records the round and the first weight it started from.</summary>
    private sealed class AddOneTrainer : ILocalTrainer
    {
        public ConcurrentBag<(long Round, float First)> Starts { get; } = [];

        public int SampleCount => 40;

        public int Epochs => 1;

        public int BatchSize => 16;

        public Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default) => TrainAsync(start, -1, cancellationToken);

        public Task<LocalTrainingOutcome> TrainAsync(ModelState start, long round, CancellationToken cancellationToken = default)
        {
            var w = start.Tensors[0].AsFloat32().ToArray();
            Starts.Add((round, w[0]));
            for (int i = 0; i < w.Length; i++)
            {
                w[i] += 1;
            }

            var trained = new ModelState([NamedTensor.FromFloat32("w", [w.Length], w)]);
            return Task.FromResult(new LocalTrainingOutcome(trained, SampleCount, 0.3, TimeSpan.FromMilliseconds(1)));
        }
    }
}
