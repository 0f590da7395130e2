using System.Diagnostics.Metrics;
using EdgeFL.DeviceClient.Hosting;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Training;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient;

/// <summary>
/// The stand-alone device service: loads its data shard and runs a <see cref="DeviceAgent"/>. Under
/// systemd it is READY once the data is loaded and the agent started (its connection loop runs; a
/// gateway that is down does not hold the start up), and alive while the agent's round loop runs.
/// </summary>
internal sealed class DeviceWorker(
    IOptions<DeviceOptions> options,
    IOptions<DeviceDataOptions> data,
    IOptions<DeviceProfile> profile,
    IOptions<TrainerOptions> trainer,
    IOptions<TrainingBackendOptions> backend,
    IOptions<PowerOptions> power,
    IOptions<DeviceTelemetryOptions> telemetry,
    ServiceHealth health,
    ILoggerFactory loggers,
    IMeterFactory meters) : BackgroundService
{
    private IPowerSource? _power;

    private DeviceAgent? _agent;
    private DeviceTrainer? _trainer;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }

        _trainer?.Dispose();
        (_power as IDisposable)?.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var d = data.Value;
        var kind = d.Model;

        var splits = FashionMnist.Load(d.Directory, stoppingToken);
        var shards = DirichletPartitioner.Partition(splits.Train.Labels, d.Shards, d.Alpha, d.Seed);
        var local = splits.Train.Subset(shards[d.Shard]);
        _trainer = new DeviceTrainer(ChooseBackend(kind), local, trainer.Value);
        var p = profile.Value;
        var o = options.Value;
        o.StateDirectory ??= Storage.StateDatabase.DefaultDirectory();
        _power = PowerSourceFactory.Create(power.Value, p);
        _agent = new DeviceAgent(o, p, _trainer, _power, loggers.CreateLogger<DeviceAgent>(), meters: meters)
        {
            TelemetryInterval = telemetry.Value.Interval,
        };
        await _agent.StartAsync(stoppingToken).ConfigureAwait(false);
        var agent = _agent;
        // Only the loop: a gateway that is down is normal for a device (it buffers), and a restart would not bring it back.
        health.AddCheck("device-loop", () => agent.IsRunning);
        health.MarkReady($"device {agent.DeviceId}: {local.Count} samples loaded, training with {_trainer.BackendName}, power from {power.Value.Source}");
    }

    private ITrainingBackend ChooseBackend(ModelKind kind)
    {
        var b = backend.Value;
        int threads = b.EffectiveThreads;
        TrainingBackendChoice choice;
        try
        {
            choice = TrainingBackends.Create(b.Backend, kind, threads);
        }
        catch (TrainingBackendUnavailableException e)
        {
            throw new ServiceConfigurationException(
                $"{TrainerOptionsValidator.Section}:Backend is torch, but {e.Message}; set it to auto or managed (docs/DEVICES.md says which backend runs where)", e);
        }

        DeviceLog.TrainingBackend(loggers.CreateLogger<DeviceWorker>(), choice.Backend.Name, choice.Requested.ToString().ToLowerInvariant(), choice.Reason, threads, kind.ToString());
        return choice.Backend;
    }
}
