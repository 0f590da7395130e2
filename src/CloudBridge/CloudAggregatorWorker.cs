using EdgeFL.CloudBridge.Hosting;
using EdgeFL.CloudBridge.Link;
using EdgeFL.CloudBridge.State;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge;

/// <summary>
/// The cloud aggregator's loop: seed the global model, connect to the gateways' broker, publish the
/// current global model, then publish each sync round's global model as its round completes (all
/// expected gateways in, or its deadline passed).
/// </summary>
internal sealed class CloudAggregatorWorker : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetainedGrace = TimeSpan.FromSeconds(2);

    private readonly CloudAggregatorOptions _options;
    private readonly CloudAggregator _aggregator;
    private readonly GatewayLink _gateways;
    private readonly CloudSeeder _seeder;
    private readonly IEnumerable<ICloudObserver> _observers;
    private readonly CloudLoopHealth _health;
    private readonly Region.RegionLink? _region;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private long _lastUpperSeen = -1;

    public CloudAggregatorWorker(
        IOptions<CloudAggregatorOptions> options,
        CloudAggregator aggregator,
        GatewayLink gateways,
        CloudSeeder seeder,
        IEnumerable<ICloudObserver> observers,
        CloudLoopHealth health,
        IEnumerable<Region.RegionLink> region,
        ILogger<CloudAggregatorWorker> logger)
    {
        _region = region.FirstOrDefault();
        _options = options.Value;
        _aggregator = aggregator;
        _gateways = gateways;
        _seeder = seeder;
        _observers = observers;
        _health = health;
        _logger = logger;
        _gateways.UploadAccepted += Wake;
    }

    /// <summary>The embedded broker, when this process hosts one (tests read its counters).</summary>
    public Messaging.EmbeddedBroker? Broker => _gateways.Broker;

    public override void Dispose()
    {
        _gateways.UploadAccepted -= Wake;
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (or a host disposed without a stop): not a fault, wherever the loop was waiting.
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var heartbeat = _health.Loop;
        await _seeder.SeedAsync(stoppingToken).ConfigureAwait(false);
        await _gateways.ConnectAsync(stoppingToken).ConfigureAwait(false);

        // An external broker may be down for long: waiting for it is not being stuck.
        await heartbeat.TickWhile(_gateways.WaitConnectedAsync(stoppingToken), stoppingToken).ConfigureAwait(false);
        if (!_options.EmbeddedBroker)
        {
            // An external broker may hold a newer global model from before a restart; it arrives right
            // after the subscription. Give it a moment so the seed does not overwrite it.
            await Task.WhenAny(_gateways.RetainedSeen, Task.Delay(RetainedGrace, stoppingToken)).ConfigureAwait(false);
        }

        bool publishedSeed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeat.Tick();
            // A region publishes only what came from above: after a restart its saved model may be its own average,
            // sent up and not yet answered, which is no global model for its gateways.
            if (!publishedSeed && _aggregator.Global is { } current && (_region is null || _aggregator.HoldsUpperModel))
            {
                await _gateways.PublishAsync(current, heartbeat, stoppingToken).ConfigureAwait(false);
                publishedSeed = true;
            }
            else if (_aggregator.Global is null && _region is null)
            {
                CloudLog.WaitingForModel(_logger, new TopicScheme(_options.TopicPrefix).CloudGlobalModel);
            }

            await PublishCompletedAsync(heartbeat, stoppingToken).ConfigureAwait(false);
            if (_region is not null && await AdoptUpperAsync(heartbeat, stoppingToken).ConfigureAwait(false))
            {
                publishedSeed = true;
            }

            try
            {
                await _wake.WaitAsync(_aggregator.Global is null && _region is null ? TimeSpan.FromSeconds(5) : Tick, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Publishes the global model of every sync round that completed, in order, retrying each until it is out.</summary>
    private async Task PublishCompletedAsync(LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        foreach (var (global, gateways) in _aggregator.CloseDue())
        {
            if (_region is not null)
            {
                // A region's average went up to the tier above (RegionLink); what its gateways get is that tier's global model.
                continue;
            }

            await _gateways.PublishAsync(global, heartbeat, cancellationToken).ConfigureAwait(false);

            CloudLog.GlobalPublished(_logger, global.Round, gateways, global.TotalSamples);
            foreach (var observer in _observers)
            {
                observer.GlobalPublished(global, gateways);
            }
        }
    }

    /// <summary>A region: takes the tier above's newest global model, if newer, and publishes it (signed by this tier) to the gateways.</summary>
    private async Task<bool> AdoptUpperAsync(LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        if (_region!.LatestGlobal is not { } upper || upper.Round <= _lastUpperSeen)
        {
            return false;
        }

        _lastUpperSeen = upper.Round;
        var check = _aggregator.AdoptUpper(upper);
        if (!check.IsAccepted)
        {
            if (check.Reason != Core.Validation.RejectReason.WrongRound)
            {
                Region.RegionLog.UpperRefused(_logger, _region.RegionId, upper.Round, check.ToString());
            }

            return false;
        }

        await _gateways.PublishAsync(_aggregator.Global!, heartbeat, cancellationToken).ConfigureAwait(false);
        Region.RegionLog.UpperAdopted(_logger, _region.RegionId, upper.Round, upper.TotalSamples);
        return true;
    }

    private void Wake() => _wake.Release();
}
