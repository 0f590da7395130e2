using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Training;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.DeviceClient.Tests;

public sealed class DeviceAgentTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = FakeGateway.Timeout;
    private readonly FakeGateway _gw = new();

    public Task InitializeAsync() => _gw.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Theory]
    [InlineData(TrainingBackendKind.Torch)]
    [InlineData(TrainingBackendKind.Managed)]
    public async Task Device_TrainsWithEachBackend_AndPublishesItsUpdate(TrainingBackendKind backend)
    {
        var data = FashionMnist.Load().Train.Take(320);

        // The managed backend's initial model: the torch backend trains it as it is (same names and shapes).
        var start = ManagedModels.CreateInitial(ModelKind.Mlp, seed: 1);
        var choice = TrainingBackends.Create(backend, ModelKind.Mlp, threads: 1);
        using var trainer = new DeviceTrainer(choice.Backend, data, new TrainerOptions { Seed = 3 });
        Assert.Equal(backend.ToString().ToLowerInvariant(), trainer.BackendName);
        await using var device = _gw.Agent("dev-1", trainer, new SimulatedBattery(3000, 0.9), new DeviceOptions { SimulateCost = true });
        await device.StartAsync();
        await _gw.PublishModelAsync(start, round: 3);

        var update = await _gw.NextAsync<DeviceUpdate>("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);

        Assert.Equal(("dev-1", 3L, 320L), (update.DeviceId, update.Round, update.SampleCount));
        Assert.True(update.Model.HasSameLayout(start));
        Assert.True(update.Loss is > 0 and < 5);
        Assert.NotEqual(start.Tensors[0].Data.ToArray(), update.Model.Tensors[0].Data.ToArray());

        // Simulated time: 0.1 x 1 x 320 / 16 x 10 = 20 s on top of the real time; energy and battery follow.
        Assert.InRange(update.TrainingSeconds, 20, 40);
        Assert.Equal(EnergyModel.EnergyMah(update.TrainingSeconds), update.EnergyMah, 9);
        Assert.Equal(0.9 - (update.EnergyMah / 3000), device.Battery.Level, 9);
    }

    [Fact]
    public async Task Device_WithADecayingLearningRate_TrainsWithTheRateOfTheRoundItIsAskedFor()
    {
        var data = FashionMnist.Load().Train.Take(160);
        var start = ManagedModels.CreateInitial(ModelKind.Mlp, seed: 1);
        var options = new TrainerOptions { Seed = 3, LearningRate = 0.05, DecayRounds = 40, FinalLearningRateFactor = 0.1 };
        using var trainer = new DeviceTrainer(TrainingBackends.Create(TrainingBackendKind.Managed, ModelKind.Mlp, threads: 1).Backend, data, options);
        await using var device = _gw.Agent("dev-lr", trainer, new SimulatedBattery(3000, 0.9));
        await device.StartAsync();
        await _gw.PublishModelAsync(start, round: 30);

        var update = await _gw.NextAsync<DeviceUpdate>("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);

        // The same training, by hand, at round 30's rate (three quarters down the cosine: 0.232 of 0.05) and at the constant rate.
        double rate = options.LearningRateAt(30);
        Assert.InRange(rate, 0.0115, 0.0117);
        using var reference = TrainingBackends.Create(TrainingBackendKind.Managed, ModelKind.Mlp, threads: 1).Backend;
        var decayed = reference.Train(start, data, options with { DecayRounds = 0, LearningRate = rate, BatchSize = trainer.BatchSize }).Model;
        var constant = reference.Train(start, data, options with { DecayRounds = 0, BatchSize = trainer.BatchSize }).Model;
        Assert.Equal(decayed.Tensors[0].Data.ToArray(), update.Model.Tensors[0].Data.ToArray());
        Assert.NotEqual(constant.Tensors[0].Data.ToArray(), update.Model.Tensors[0].Data.ToArray());
    }

    [Fact]
    public async Task Device_BelowTheBatteryThreshold_DeclinesTheRound()
    {
        var trainer = new GatedTrainer();
        await using var device = _gw.Agent("dev-2", trainer, new SimulatedBattery(3000, 0.15));
        await device.StartAsync();
        await _gw.PublishModelAsync(Tiny(), round: 1);

        var decline = await _gw.NextAsync<RoundDecline>("decline", p => WireCodec.TryDecodeDecline(new(p), DecodeLimits.Default, out var d, out _) ? d : null);

        Assert.Equal(("dev-2", 1L, "battery"), (decline.DeviceId, decline.Round, decline.Reason));
        Assert.Equal(0, trainer.Calls);
    }

    [Fact]
    public async Task Device_ChargingBelowTheThreshold_StillTrains()
    {
        var trainer = new GatedTrainer();
        trainer.Release();
        var battery = new SimulatedBattery(3000, 0.1, charging: true);
        await using var device = _gw.Agent("dev-3", trainer, battery);
        await device.StartAsync();
        await _gw.PublishModelAsync(Tiny(), round: 1);
        var update = await _gw.NextAsync<DeviceUpdate>("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);
        Assert.Equal(1, update.Round);
    }

    [Fact]
    public async Task Device_OfflineAfterTraining_BuffersTheUpdate_AndSendsItOnReconnect()
    {
        var trainer = new GatedTrainer();
        await using var device = _gw.Agent("dev-4", trainer, new SimulatedBattery(3000, 0.9), new DeviceOptions { QuantizeUpdates = true });
        await device.StartAsync();
        await device.WaitConnectedAsync().WaitAsync(Timeout);
        await _gw.PublishModelAsync(Tiny(), round: 7);
        await trainer.Started.Task.WaitAsync(Timeout);

        await device.GoOfflineAsync();
        trainer.Release();
        await TestWait.UntilAsync(() => device.BufferedUpdates > 0, "the update buffered", Timeout);

        Assert.Equal(1, device.BufferedUpdates);
        device.GoOnline();
        var update = await _gw.NextAsync<DeviceUpdate>("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);

        Assert.Equal(7, update.Round);
        Assert.Equal(TensorDType.QUInt8, update.Model.Tensors[0].DType);
        Assert.Equal(0, device.BufferedUpdates);
    }

    private static ModelState Tiny() => new([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]);

    /// <summary>A trainer that waits until the test lets it finish, returning its input scaled by 2.</summary>
    private sealed class GatedTrainer : ILocalTrainer
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => _calls;

        public int SampleCount => 50;

        public int Epochs => 1;

        public int BatchSize => 16;

        public void Release() => _gate.TrySetResult();

        public async Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            Started.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            var doubled = start.Tensors[0].AsFloat32().ToArray().Select(v => v * 2).ToArray();
            return new LocalTrainingOutcome(new ModelState([NamedTensor.FromFloat32("w", [3], doubled)]), 50, 0.25, TimeSpan.FromMilliseconds(5));
        }
    }
}
