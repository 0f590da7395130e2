using System.Globalization;
using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.DeviceClient;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Gateway;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Simulator.Tests;

/// <summary>A real device, offline for several rounds, comes back with an update trained on an old model.</summary>
/// <remarks>
/// The rounds are paced by the test, not by a clock: a second real device (the pacer) answers each round
/// only when the test lets it, and the quorum closes the round on that answer (the deadline is never
/// reached). The device under test trains round 1 only and is offline from its update until the gateway
/// has opened round 1 + <see cref="RoundsAway"/>: its buffered update is exactly that many rounds old
/// whatever the load. It trains nothing after it comes back (its trainer never returns again), so the
/// only update it sends then is the buffered one.
/// </remarks>
public sealed class OfflineDeviceTests : IDisposable
{
    private const int RoundsAway = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-offline-").FullName;
    private readonly ErrorLog _errors = new();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    [Theory]
    [InlineData(RoundsAway, true)]
    [InlineData(RoundsAway - 1, false)]
    public async Task DeviceBackAfterSeveralRounds_ItsBufferedUpdateCountsWithADiscount_OrIsDroppedWhenTooStale(int maxStaleness, bool accepted)
    {
        int port = TestPorts.Free();
        using var security = new TestSecurity();
        string modelPath = Path.Combine(_dir, "initial.efm");
        var layout = new ModelState([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]);
        await ModelFile.SaveAsync(modelPath, new ModelMessage("m", 0, "test", 0, DateTimeOffset.UnixEpoch, layout));
        var rounds = Channel.CreateUnbounded<RoundResult>();
        var keys = new TestKeys(_dir);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = ":memory:",
            ["Gateway:Signing:PrivateKeyPath"] = keys.PrivateKey("gw"),
            ["Gateway:InitialModelPath"] = modelPath,
            ["Gateway:Broker:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Broker:CredentialsPath"] = security.CredentialsPath,
            ["Gateway:Rounds:WaitForDevices"] = "2",
            ["Gateway:Rounds:QuorumFraction"] = "0.5", // the pacer's answer is enough, whether the other device is online or not
            ["Gateway:Rounds:Deadline"] = "00:05:00",
            ["Gateway:Staleness:MaxRounds"] = maxStaleness.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.AddProvider(_errors.For("gateway"));
        builder.Services.AddSingleton<IGatewayObserver>(new Observer(rounds.Writer));
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        using var gateway = builder.Build();
        await gateway.StartAsync();

        DeviceAgent Device(string id, ILocalTrainer trainer) => new(
            new DeviceOptions { DeviceId = id, GatewayId = "gw", BrokerPort = port, Password = security.Provision(id), Signing = new() { GatewayPublicKeyPath = keys.PublicKey("gw") } },
            new DeviceProfile(),
            trainer,
            new SimulatedBattery(3000, 0.9),
            _errors.Logger(id));

        var pacer = new PacedTrainer();
        var held = new HeldTrainer();
        await using var pacing = Device("pacer", pacer);
        await using var device = Device("dev", held);
        await pacing.StartAsync();
        await device.StartAsync();
        await held.Started.Task.WaitAsync(Timeout);

        // The link drops while the device trains round 1 (which stays open: the pacer has not answered); the update waits in its buffer.
        await device.GoOfflineAsync();
        held.Release();
        await TestWait.UntilAsync(() => device.BufferedUpdates == 1, "the update of round 1 buffered", Timeout);

        // Rounds go on without it, one at a time.
        for (long round = 1; round <= RoundsAway; round++)
        {
            pacer.AnswerOne();
            var closed = await rounds.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal((round, RoundCloseReason.Quorum, 0), (closed.Round, closed.CloseReason, closed.Stale));
        }

        // Round 1 + RoundsAway is open, and stays open until the buffered update has been handled.
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        long acceptedBefore = metrics.Accepted;
        device.GoOnline();
        await TestWait.UntilAsync(() => device.BufferedUpdates == 0, "the buffered update sent", Timeout);
        if (accepted)
        {
            await TestWait.UntilAsync(() => metrics.Accepted == acceptedBefore + 1, "the buffered update accepted", Timeout);
        }
        else
        {
            await TestWait.UntilAsync(() => metrics.RejectedByReason.GetValueOrDefault("TooStale") == 1, "the buffered update refused as too stale", Timeout);
        }

        pacer.AnswerOne();
        var back = await rounds.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal(1 + RoundsAway, back.Round);
        Assert.Equal(RoundCloseReason.Quorum, back.CloseReason);
        Assert.Equal(accepted ? 1 : 0, back.Stale);
        Assert.Equal(1, back.Accepted - back.Stale); // the pacer's own update; the device trained nothing after it came back
        Assert.Equal(accepted ? 0 : 1, metrics.RejectedByReason.GetValueOrDefault("TooStale"));

        await gateway.StopAsync();
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

    private static LocalTrainingOutcome Trained(ModelState start) => new(start.Detach(), 40, 0.3, TimeSpan.FromMilliseconds(1));

    /// <summary>Finishes one round each time the test calls <see cref="AnswerOne"/>.</summary>
    private sealed class PacedTrainer : ILocalTrainer
    {
        private readonly SemaphoreSlim _answers = new(0);

        public int SampleCount => 40;

        public int Epochs => 1;

        public int BatchSize => 16;

        public void AnswerOne() => _answers.Release();

        public async Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default)
        {
            await _answers.WaitAsync(cancellationToken);
            return Trained(start);
        }
    }
}
