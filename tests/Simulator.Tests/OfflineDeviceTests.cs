using System.Collections.Concurrent;
using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.DeviceClient;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Gateway;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Simulator.Tests;

/// <summary>A real device, offline for several rounds, comes back with an update trained on an old model.</summary>
public sealed class OfflineDeviceTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-offline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Rounds close every 400 ms while the device is away, so its update arrives 2 or more rounds late,
    // how many more depending on how fast it reconnects: a window of 10 rounds (4 s) takes it whatever
    // the load (with 3, a reconnect slower than about 1.2 s made it too stale once); a window of 1 never does.
    [Theory]
    [InlineData(10, true)]
    [InlineData(1, false)]
    public async Task DeviceBackAfterSeveralRounds_ItsBufferedUpdateCountsWithADiscount_OrIsDroppedWhenTooStale(int maxStaleness, bool accepted)
    {
        int port = TestPorts.Free();
        using var security = new TestSecurity();
        string modelPath = Path.Combine(_dir, "initial.efm");
        var layout = new ModelState([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]);
        await ModelFile.SaveAsync(modelPath, new ModelMessage("m", 0, "test", 0, DateTimeOffset.UnixEpoch, layout));
        var rounds = new ConcurrentQueue<RoundResult>();
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
            ["Gateway:Rounds:Deadline"] = "00:00:00.400",
            ["Gateway:Staleness:MaxRounds"] = maxStaleness.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton<IGatewayObserver>(new Observer(rounds));
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        using var gateway = builder.Build();
        await gateway.StartAsync();

        var trainer = new HeldTrainer();
        await using var device = new DeviceAgent(
            new DeviceOptions { DeviceId = "dev", GatewayId = "gw", BrokerPort = port, Password = security.Provision("dev"), Signing = new() { GatewayPublicKeyPath = keys.PublicKey("gw") } },
            new DeviceProfile(),
            trainer,
            new SimulatedBattery(3000, 0.9),
            NullLogger.Instance);
        // Every round the device trains for while the test holds it offline; the newest is what it
        // buffers last. Models that arrived before the link dropped are still handled after it did (a
        // round-2 model behind the held round 1, on a slow machine), so the newest is read, not assumed.
        long lastTrained = 0;
        device.RoundHandled += (_, round, trained) =>
        {
            if (trained)
            {
                InterlockedMax(ref lastTrained, round);
            }
        };
        await device.StartAsync();
        await trainer.Started.Task.WaitAsync(Timeout);

        // The link drops while the device trains; the update waits in its buffer.
        await device.GoOfflineAsync();
        trainer.Release();
        await WaitUntilAsync(() => device.BufferedUpdates >= 1 && Interlocked.Read(ref lastTrained) > 0);

        // Rounds go on without it; it comes back once a round after its newest buffered one has closed.
        await WaitUntilAsync(() => rounds.Any(r => r.Round >= Interlocked.Read(ref lastTrained) + 1));
        long trainedFor = Interlocked.Read(ref lastTrained);
        device.GoOnline();
        await WaitUntilAsync(() => device.BufferedUpdates == 0);
        await WaitUntilAsync(() => rounds.Any(r => r.Round >= trainedFor + 3));

        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        if (accepted)
        {
            Assert.Contains(rounds, r => r.Stale >= 1); // one buffered update, or two when a second model was still in hand
        }
        else
        {
            Assert.DoesNotContain(rounds, r => r.Stale > 0);
            Assert.True(metrics.RejectedByReason.GetValueOrDefault("TooStale") >= 1);
        }

        await gateway.StopAsync();
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }

    private sealed class Observer(ConcurrentQueue<RoundResult> rounds) : IGatewayObserver
    {
        public void RoundCompleted(RoundResult result) => rounds.Enqueue(result);

        public void GlobalModelAdopted(string gatewayId, ModelMessage global)
        {
        }

        public void Finished(string gatewayId, long lastRound)
        {
        }
    }

    /// <summary>Trains only the first round it is given, and only when released; later rounds return at once.</summary>
    private sealed class HeldTrainer : ILocalTrainer
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int SampleCount => 40;

        public int Epochs => 1;

        public int BatchSize => 16;

        public void Release() => _gate.TrySetResult();

        public async Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Started.TrySetResult();
                await _gate.Task.WaitAsync(cancellationToken);
            }

            return new LocalTrainingOutcome(start.Detach(), 40, 0.3, TimeSpan.FromMilliseconds(1));
        }
    }
}
