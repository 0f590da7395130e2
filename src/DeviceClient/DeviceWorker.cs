using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Training;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient;

/// <summary>The stand-alone device service: loads its data shard and runs a <see cref="DeviceAgent"/>.</summary>
internal sealed class DeviceWorker(
    IOptions<DeviceOptions> options,
    IOptions<DeviceDataOptions> data,
    IOptions<DeviceProfile> profile,
    IOptions<TrainerOptions> trainer,
    ILoggerFactory loggers) : BackgroundService
{
    private DeviceAgent? _agent;
    private TorchLocalTrainer? _trainer;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }

        _trainer?.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var d = data.Value;
        if (d.Shards < 1 || d.Shard < 0 || d.Shard >= d.Shards)
        {
            throw new InvalidOperationException($"Device:Data:Shard must be in [0, Device:Data:Shards) (was {d.Shard} of {d.Shards})");
        }

        var kind = d.Model.ToLowerInvariant() switch
        {
            "mlp" => ModelKind.Mlp,
            "mobilenet" => ModelKind.MobileNet,
            _ => throw new InvalidOperationException($"Device:Data:Model must be 'mlp' or 'mobilenet' (was '{d.Model}')"),
        };

        TorchRuntime.Configure(Math.Max(1, Environment.ProcessorCount / 2));
        var splits = FashionMnist.Load(d.Directory, stoppingToken);
        var shards = DirichletPartitioner.Partition(splits.Train.Labels, d.Shards, d.Alpha, d.Seed);
        var local = splits.Train.Subset(shards[d.Shard]);
        _trainer = new TorchLocalTrainer(kind, local, trainer.Value);
        var p = profile.Value;
        var o = options.Value;
        o.StateDirectory ??= Environment.GetEnvironmentVariable("STATE_DIRECTORY")?.Split(':')[0] is { Length: > 0 } systemd ? systemd : "state";
        _agent = new DeviceAgent(o, p, _trainer, new SimulatedBattery(p.BatteryCapacityMah, p.BatteryLevel), loggers.CreateLogger<DeviceAgent>());
        await _agent.StartAsync(stoppingToken).ConfigureAwait(false);
    }
}
