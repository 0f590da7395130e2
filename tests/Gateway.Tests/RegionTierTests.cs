using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Region;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// device -> gateway -> region -> global, every tier a real service on its own embedded broker over loopback: two
/// regions (CloudBridge with Cloud:Uplink) under one global aggregator, one gateway and one device each. Checks the
/// sample weighting at the top, exactly-once after a region restarts and sends an upload the global tier already
/// applied, and the signatures at each tier (global -> region -> gateway -> device).
/// </summary>
public sealed class RegionTierTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-region-").FullName;
    private readonly TopicScheme _topics = new();
    private readonly ErrorLog _errors = new();
    private TestKeys Keys => new(Path.Combine(_dir, "keys"));

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    [Fact]
    public async Task DeviceGatewayRegionGlobal_WeightsBySamples_AppliesEachRegionUploadOnce_AcrossARestart_AndChecksSignaturesAtEachTier()
    {
        string seed = Path.Combine(_dir, "initial.efm");
        await ModelFile.SaveAsync(seed, TestModels.Message(TestModels.Filled(0)));
        int globalPort = TestPorts.Free();
        int portA = TestPorts.Free();
        int portB = TestPorts.Free();

        using var global = BuildCloud("global", globalPort, expected: 2, new() { ["Cloud:InitialModelPath"] = seed });
        await global.StartAsync();
        var top = global.Services.GetRequiredService<CloudAggregator>();

        IHost regionA = BuildRegion("region-a", portA, globalPort);
        using var regionB = BuildRegion("region-b", portB, globalPort);
        await regionA.StartAsync();
        await regionB.StartAsync();

        // Region A's gateway's device answers every round with 100 samples of ones; region B's with 300 samples of
        // fives, and waits in round 2 until released.
        var releaseB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seenByDevices = new ConcurrentBag<(string Device, long Round, float Value)>();
        using var gatewayA = BuildGateway("gw-a", TestPorts.Free(), portA, "region-a", out int devicePortA);
        using var gatewayB = BuildGateway("gw-b", TestPorts.Free(), portB, "region-b", out int devicePortB);
        await gatewayA.StartAsync();
        await gatewayB.StartAsync();
        await using var deviceA = await DeviceAsync("gw-a", "dev-a", devicePortA, 100, 1f, seenByDevices, null);
        await using var deviceB = await DeviceAsync("gw-b", "dev-b", devicePortB, 300, 5f, seenByDevices, releaseB.Task);

        // Round 1, end to end: the global model is the mean weighted by samples, and it carries their sum.
        await TestWait.UntilAsync(() => top.Global is { Round: >= 1 }, "the global model of round 1", Timeout);
        var round1 = top.Global!;
        Assert.Equal(1, round1.Round);
        Assert.Equal(100 + 300, round1.TotalSamples);
        Assert.All(round1.Model.Tensors[0].AsFloat32().ToArray(), v => Assert.Equal((100 * 1f + 300 * 5f) / 400, v, 4));

        // The region publishes that model to its gateways under its own signature, not the global tier's.
        var fromRegionA = await GlobalOnBrokerAsync(portA, minRound: 1);
        using (var regionKey = Keys.Verifier("region-a"))
        using (var globalKey = Keys.Verifier("global"))
        {
            Assert.True(regionKey.TryDecode(new ReadOnlySequence<byte>(fromRegionA), DecodeLimits.Default, out var republished, out var rejection), rejection.ToString());
            Assert.Equal((1L, 400L), (republished.Round, republished.TotalSamples));
            Assert.False(globalKey.TryDecode(new ReadOnlySequence<byte>(fromRegionA), DecodeLimits.Default, out _, out var notGlobal));
            Assert.Equal(SignatureVerdict.UnknownSigningKey.ToString(), notGlobal.Reason);
        }

        // ... and the devices of both regions train on it in round 2 (each checked the gateway's signature).
        await TestWait.UntilAsync(() => seenByDevices.Count(s => s.Round == 2) == 2, "both devices given the global model of round 1 for round 2", Timeout);
        Assert.All(seenByDevices.Where(s => s.Round == 2), s => Assert.Equal(4f, s.Value, 4));

        // Round 2: region A's upload reaches the global tier and is acknowledged; region B's gateway still waits.
        await TestWait.UntilAsync(() => top.Metrics.Accepted == 3 && regionA.Services.GetRequiredService<RegionLink>().Outbox.Count == 0, "region A's round-2 upload applied and acknowledged", Timeout);

        // Region A stops, and comes back with that upload in its outbox again: what a crash between the global tier's
        // acknowledgement and the outbox's delete leaves. It is sent again, under the same id, and not applied twice.
        await regionA.StopAsync();
        regionA.Dispose();
        var (uploadId, resend) = RequeueLastUpload(Path.Combine(_dir, "region-a-state", "cloud.db"));
        output.WriteLine($"region A restarts with {uploadId} ({resend} bytes) queued again");
        regionA = BuildRegion("region-a", portA, globalPort);
        try
        {
            await regionA.StartAsync();
            await TestWait.UntilAsync(() => top.RejectedByReason.GetValueOrDefault("Duplicate") == 1, "the resent upload refused as a duplicate", Timeout);
            await TestWait.UntilAsync(() => regionA.Services.GetRequiredService<RegionLink>().Outbox.Count == 0, "the duplicate acknowledged (applied before) and dropped", Timeout);
            Assert.Equal(3, top.Metrics.Accepted);

            // Region B's device answers: round 2 closes at the top with each region counted once.
            releaseB.TrySetResult();
            await TestWait.UntilAsync(() => top.Global is { Round: >= 2 }, "the global model of round 2", Timeout);
            Assert.Equal((2L, 400L), (top.Global!.Round, top.Global.TotalSamples));
            Assert.Equal(4, top.Metrics.Accepted);

            // The restarted region takes it (signed by the global tier) and hands it on to its gateway.
            await TestWait.UntilAsync(() => regionA.Services.GetRequiredService<CloudAggregator>().Global is { Round: 2, TotalSamples: 400 }, "region A on the global model of round 2", Timeout);

            // A model on the global broker that the global tier did not sign is refused by the regions.
            using (var intruder = Keys.Signer("intruder"))
            await using (var client = new MqttConnection(new MqttConnectionOptions { Port = globalPort, ClientId = "intruder" }, NullLogger.Instance))
            {
                await client.StartAsync();
                await client.WaitConnectedAsync().WaitAsync(Timeout);
                var forged = new ModelMessage("test", 50, "cloud", 1, DateTimeOffset.UtcNow, TestModels.Filled(9));
                await client.PublishAsync(_topics.CloudGlobalModel, intruder.Encode(forged), MqttQos.AtLeastOnce, retain: true);
            }

            var metricsB = regionB.Services.GetRequiredService<CloudMetrics>();
            await TestWait.UntilAsync(() => metricsB.UpperGlobalsRejected.GetValueOrDefault("UnknownSigningKey") >= 1, "region B refusing the forged model", Timeout);
            Assert.Equal(2, regionB.Services.GetRequiredService<CloudAggregator>().Global!.Round);
            Assert.Equal(0, gatewayA.Services.GetRequiredService<GatewayMetrics>().GlobalModelsRejected);
            Assert.Equal(0, gatewayB.Services.GetRequiredService<GatewayMetrics>().GlobalModelsRejected);
        }
        finally
        {
            await gatewayA.StopAsync();
            await gatewayB.StopAsync();
            await regionA.StopAsync();
            regionA.Dispose();
            await regionB.StopAsync();
            await global.StopAsync();
        }

        Assert.Empty(_errors.Unexpected());
    }

    /// <summary>
    /// With region A stopped: puts its last upload back into its outbox, rebuilt byte for byte from its saved state (the
    /// regional average of that round and the id's incarnation and sequence), as a crash before the delete would.
    /// </summary>
    private static (string UploadId, int Bytes) RequeueLastUpload(string db)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        byte[] saved = (byte[])Scalar(c, "SELECT value FROM kv WHERE key = 'global';");
        Assert.True(WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(saved), DecodeLimits.Default, out var regional, out var error), error.ToString());
        long incarnation = Convert.ToInt64(Scalar(c, "SELECT value FROM kv WHERE key = 'incarnation';"), CultureInfo.InvariantCulture);
        long sequence = Convert.ToInt64(Scalar(c, "SELECT value FROM kv WHERE key = 'upload_seq';"), CultureInfo.InvariantCulture);
        Assert.Equal(2, regional!.Round);
        string id = GatewayUpload.MakeUploadId("region-a", incarnation.ToString("x12", CultureInfo.InvariantCulture), sequence);
        byte[] payload = WireCodec.Encode(new GatewayUpload("region-a", id, sequence, regional.ModelId, regional.Round, regional.TotalSamples, regional.IssuedAt, regional.Model));
        using var insert = c.CreateCommand();
        insert.CommandText = "INSERT INTO outbox (topic, payload, bytes, coalesce_key, created_ms) VALUES ($t, $p, $b, $k, 0);";
        insert.Parameters.AddWithValue("$t", new TopicScheme().CloudUpload("region-a"));
        insert.Parameters.AddWithValue("$p", payload);
        insert.Parameters.AddWithValue("$b", payload.Length);
        insert.Parameters.AddWithValue("$k", "model:region-a");
        insert.ExecuteNonQuery();
        return (id, payload.Length);
    }

    private static object Scalar(SqliteConnection c, string sql)
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() ?? throw new InvalidOperationException($"no value: {sql}");
    }

    /// <summary>The first global model of round <paramref name="minRound"/> or later on the broker at <paramref name="port"/>, as published.</summary>
    private async Task<byte[]> GlobalOnBrokerAsync(int port, long minRound)
    {
        var got = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watcher = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "watcher-" + port }, NullLogger.Instance);
        await watcher.SubscribeAsync(_topics.CloudGlobalModel, MqttQos.AtLeastOnce, (m, ct) =>
        {
            if (WireCodec.TryDecodeModel(m.Payload, DecodeLimits.Default, out var model, out var error) && model!.Round >= minRound)
            {
                got.TrySetResult(m.Payload.ToArray());
            }

            return Task.CompletedTask;
        });
        await watcher.StartAsync();
        return await got.Task.WaitAsync(Timeout);
    }

    private IHost BuildCloud(string name, int port, int expected, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:ClientId"] = name + "-aggregator",
            ["Cloud:AllowAnonymous"] = "true",
            ["Cloud:StateDirectory"] = Path.Combine(_dir, name + "-state"),
            ["Cloud:ExpectedGateways"] = expected.ToString(CultureInfo.InvariantCulture),
            ["Cloud:SyncDeadline"] = "00:02:00",
            ["Cloud:Signing:PrivateKeyPath"] = Keys.PrivateKey(name),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(_errors.For(name));
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        return builder.Build();
    }

    /// <summary>A region: a cloud aggregator for its gateways, with an uplink to the global tier, whose key it trusts.</summary>
    private IHost BuildRegion(string name, int port, int globalPort) => BuildCloud(name, port, expected: 1, new()
    {
        ["Cloud:RegionId"] = name,
        ["Cloud:Uplink:Enabled"] = "true",
        ["Cloud:Uplink:Port"] = globalPort.ToString(CultureInfo.InvariantCulture),
        ["Cloud:Uplink:AckTimeout"] = "00:00:05",
        ["Cloud:Signing:UplinkPublicKeyPath"] = Keys.PublicKey("global"),
    });

    private IHost BuildGateway(string id, int devicePort, int regionPort, string region, out int port)
    {
        port = devicePort;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = id,
            ["Gateway:StateDirectory"] = Path.Combine(_dir, id + "-state"),
            ["Gateway:Broker:Port"] = devicePort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Broker:AllowAnonymous"] = "true",
            ["Gateway:Signing:PrivateKeyPath"] = Keys.PrivateKey(id),
            ["Gateway:Signing:CloudPublicKeyPath"] = Keys.PublicKey(region),
            ["Gateway:Rounds:MaxRounds"] = "2",
            ["Gateway:Rounds:SyncEvery"] = "1",
            ["Gateway:Rounds:WaitForDevices"] = "1",
            ["Gateway:Rounds:QuorumFraction"] = "1.0",
            ["Gateway:Rounds:Deadline"] = "00:02:00",
            ["Gateway:Rounds:GlobalModelTimeout"] = "00:02:00",
            ["Gateway:Cloud:Enabled"] = "true",
            ["Gateway:Cloud:Port"] = regionPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Cloud:AckTimeout"] = "00:00:05",
        });
        builder.Logging.AddProvider(_errors.For(id));
        builder.Services.AddSingleton<IGatewayObserver>(new RecordingObserver());
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        return builder.Build();
    }

    /// <summary>A device of <paramref name="gatewayId"/>: checks each model against the gateway's key, notes it, and answers with <paramref name="value"/> (after <paramref name="holdFromRound2"/> from round 2 on).</summary>
    private async Task<MqttConnection> DeviceAsync(string gatewayId, string id, int port, long samples, float value, ConcurrentBag<(string, long, float)> seen, Task? holdFromRound2)
    {
        var conn = new MqttConnection(
            new MqttConnectionOptions
            {
                Port = port,
                ClientId = id,
                Will = new LastWill(_topics.DeviceStatus(gatewayId, id), WireCodec.Encode(new DeviceStatus(id, false, 1, false, DateTimeOffset.UtcNow)), Retain: true),
            },
            NullLogger.Instance);
        var gatewayKey = Keys.Verifier(gatewayId);
        var rounds = new ConcurrentDictionary<long, bool>();
        await conn.SubscribeAsync(_topics.GatewayModel(gatewayId), MqttQos.AtLeastOnce, async (m, ct) =>
        {
            Assert.True(gatewayKey.TryDecode(m.Payload, DecodeLimits.Default, out var model, out var rejection), rejection.ToString());
            if (!rounds.TryAdd(model.Round, true))
            {
                return;
            }

            seen.Add((id, model.Round, model.Model.Tensors[0].AsFloat32()[0]));
            if (model.Round >= 2 && holdFromRound2 is not null)
            {
                await holdFromRound2.WaitAsync(ct);
            }

            await conn.PublishAsync(_topics.DeviceUpdate(gatewayId, id), TestModels.Payload(id, model.Round, samples, TestModels.Filled(value)), MqttQos.AtLeastOnce, false, ct);
        });
        conn.OnConnected(ct => conn.PublishAsync(_topics.DeviceStatus(gatewayId, id), WireCodec.Encode(new DeviceStatus(id, true, 1, false, DateTimeOffset.UtcNow)), MqttQos.AtLeastOnce, true, ct));
        await conn.StartAsync();
        return conn;
    }
}
