using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Tests;

public sealed class GatewayServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-gw-").FullName;
    private readonly TopicScheme _topics = new();
    private readonly TestSecurity _security = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _security.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Gateway_RunsRoundsOverRealMqtt_AndPublishesTheAggregate()
    {
        int port = TestPorts.Free();
        string modelPath = Path.Combine(_dir, "initial.efm");
        await ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0)));
        var observer = new RecordingObserver();
        using var host = BuildHost(port, modelPath, observer, maxRounds: 2, quorum: 1.0);
        await host.StartAsync();

        // Two devices that answer every round: one trains (value = round), one declines.
        await using var trainer = await DeviceAsync(port, "dev-a", async (conn, model, ct) =>
        {
            var update = TestModels.Update("dev-a", model.Round, 100, TestModels.Filled(model.Round * 10));
            await conn.PublishAsync(_topics.DeviceUpdate("gw", "dev-a"), WireCodec.Encode(update), MqttQos.AtLeastOnce, false, ct);
        });
        await using var decliner = await DeviceAsync(port, "dev-b", async (conn, model, ct) =>
        {
            await conn.PublishAsync(_topics.DeviceDecline("gw", "dev-b"), WireCodec.Encode(new RoundDecline("dev-b", model.Round, "battery")), MqttQos.AtLeastOnce, false, ct);
        });

        await observer.Finished.Task.WaitAsync(Timeout);
        var rounds = observer.Rounds.OrderBy(r => r.Round).ToArray();
        Assert.Equal([1L, 2L], rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal((1, 1, RoundCloseReason.Quorum), (r.Accepted, r.Declined, r.CloseReason)));
        var metrics = host.Services.GetRequiredService<GatewayMetrics>();
        Assert.Equal(2, metrics.Accepted);
        Assert.Equal(2, metrics.Declined);

        // No key configured: the gateway made one in its state folder, readable by its owner only (the
        // test devices above verified every model against its public key).
        TestKeys.AssertOwnerOnly(Path.Combine(_dir, "state", "gateway.key"));
        await host.WaitForShutdownAsync().WaitAsync(Timeout);
    }

    [Fact]
    public async Task Gateway_ClosesOnDeadline_WhenAnOnlineDeviceNeverAnswers()
    {
        int port = TestPorts.Free();
        string modelPath = Path.Combine(_dir, "initial.efm");
        await ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0)));
        var observer = new RecordingObserver();
        using var host = BuildHost(port, modelPath, observer, maxRounds: 1, quorum: 1.0, deadline: TimeSpan.FromSeconds(1));
        await host.StartAsync();
        await using var silent = await DeviceAsync(port, "dev-silent", (_, _, _) => Task.CompletedTask);

        await observer.Finished.Task.WaitAsync(Timeout);
        var round = Assert.Single(observer.Rounds);
        Assert.Equal(RoundCloseReason.Deadline, round.CloseReason);
        Assert.False(round.ModelUpdated);
    }

    [Fact]
    public async Task Gateway_RefusesToStart_WithoutAModelSource()
    {
        using var host = BuildHost(TestPorts.Free(), modelPath: null, new RecordingObserver(), maxRounds: 1, quorum: 1);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Gateway:InitialModelPath", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_ReportsEveryBadKey_AtStart()
    {
        using var host = BuildHost(TestPorts.Free(), Path.Combine(_dir, "missing.efm"), new RecordingObserver(), maxRounds: 1, quorum: 1.5);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Gateway:Rounds:QuorumFraction", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:InitialModelPath", ex.Message, StringComparison.Ordinal);
    }

    private IHost BuildHost(int port, string? modelPath, RecordingObserver observer, int maxRounds, double quorum, TimeSpan? deadline = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = Path.Combine(_dir, "state"),
            ["Gateway:InitialModelPath"] = modelPath,
            ["Gateway:Broker:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Broker:CredentialsPath"] = _security.CredentialsPath,
            ["Gateway:Rounds:MaxRounds"] = maxRounds.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:QuorumFraction"] = quorum.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:Deadline"] = (deadline ?? TimeSpan.FromSeconds(20)).ToString("c", CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton<IGatewayObserver>(observer);
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        return builder.Build();
    }

    /// <summary>
    /// A minimal device written against the protocol: status online with a will, then a reaction to each
    /// model, which must be signed by the key the gateway generated in its state folder.
    /// </summary>
    private async Task<MqttConnection> DeviceAsync(int port, string id, Func<MqttConnection, ModelMessage, CancellationToken, Task> onModel)
    {
        var conn = new MqttConnection(
            new MqttConnectionOptions
            {
                Port = port,
                ClientId = id,
                Username = id,
                Password = _security.Provision(id),
                Will = new LastWill(_topics.DeviceStatus("gw", id), WireCodec.Encode(new DeviceStatus(id, false, 1, false, DateTimeOffset.UtcNow)), Retain: true),
            },
            NullLogger.Instance);
        var seen = new ConcurrentDictionary<long, bool>();
        var gatewayKey = ModelVerifier.FromFile(Path.Combine(_dir, "state", "gateway.pub"), requireSigned: true);
        await conn.SubscribeAsync(_topics.GatewayModel("gw"), MqttQos.AtLeastOnce, async (m, ct) =>
        {
            Assert.True(gatewayKey.TryDecode(m.Payload, DecodeLimits.Default, out var model, out var rejection), rejection.ToString());
            if (seen.TryAdd(model.Round, true))
            {
                await onModel(conn, model, ct);
            }
        });
        conn.OnConnected(ct => conn.PublishAsync(_topics.DeviceStatus("gw", id), WireCodec.Encode(new DeviceStatus(id, true, 1, false, DateTimeOffset.UtcNow)), MqttQos.AtLeastOnce, true, ct));
        await conn.StartAsync();
        return conn;
    }

    private sealed class RecordingObserver : IGatewayObserver
    {
        public ConcurrentBag<RoundResult> Rounds { get; } = [];

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void RoundCompleted(RoundResult result) => Rounds.Add(result);

        public void GlobalModelAdopted(string gatewayId, ModelMessage global)
        {
        }

        void IGatewayObserver.Finished(string gatewayId, long lastRound) => Finished.TrySetResult();
    }
}
