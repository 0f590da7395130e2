using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.DeviceClient;
using EdgeFL.DeviceClient.Training;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Simulator;

/// <summary>
/// What one demo run has running: the cloud and gateway hosts, the devices and their trainers, the keys
/// and TLS material, the churn and the progress; disposing it stops them all in the right order.
/// </summary>
internal sealed class DemoFleet : IAsyncDisposable
{
    public DemoFleet(DemoOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        Stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Loggers = loggers;
        Slots = new SemaphoreSlim(options.TrainingSlots, options.TrainingSlots);
        Churn = new ConnectivityChurn(ByGateway, options.OfflineFraction, options.Seed + 7, Stop.Token);
        Progress = new DemoProgress(options.Gateways, () => Churn.OfflineCount);

        // With the embedded brokers the demo runs as deployed: devices and gateways authenticate with
        // provisioned credentials over TLS (a private CA made for the run); an external broker is
        // used as it is configured.
        Security = options.ExternalBroker is null ? DemoSecurity.Create() : null;
    }

    /// <summary>Cancelled when the run ends (or its caller gives up).</summary>
    public CancellationTokenSource Stop { get; }

    public ILoggerFactory Loggers { get; }

    /// <summary>The cloud first, then the regions (with --regions), then the gateways.</summary>
    public List<IHost> Hosts { get; } = [];

    public List<DeviceAgent> Agents { get; } = [];

    public List<DeviceTrainer> Trainers { get; } = [];

    /// <summary>How many devices train at once.</summary>
    public SemaphoreSlim Slots { get; }

    public DemoKeys Keys { get; } = new();

    public DemoSecurity? Security { get; }

    public Dictionary<string, List<DeviceAgent>> ByGateway { get; } = new(StringComparer.Ordinal);

    public ConnectivityChurn Churn { get; }

    public DemoProgress Progress { get; }

    /// <summary>The cloud's global models, in order, for the evaluation loop.</summary>
    public Channel<(ModelMessage Global, int Gateways)> Globals { get; } = Channel.CreateUnbounded<(ModelMessage Global, int Gateways)>();

    /// <summary>The cloud's record of the global accuracy (its dashboard's curve), set once the cloud has started.</summary>
    public EdgeFL.CloudBridge.Observability.GlobalAccuracy? Accuracy { get; set; }

    /// <summary>The evaluation loop (set once it is started).</summary>
    public Task Evaluations { get; set; } = Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await Stop.CancelAsync().ConfigureAwait(false);
        Globals.Writer.TryComplete();

        // The evaluation may be inside TorchSharp right now: wait for it before the evaluation
        // model is disposed (by the caller, after this), or native code reads freed memory.
        await Task.WhenAny(Evaluations).ConfigureAwait(false);
        foreach (var agent in Agents)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var host in Enumerable.Reverse(Hosts))
        {
            try
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            host.Dispose();
        }

        foreach (var trainer in Trainers)
        {
            trainer.Dispose();
        }

        Loggers.Dispose();
        Security?.Dispose();
        Keys.Dispose();
        Slots.Dispose();
        Stop.Dispose();
    }
}
