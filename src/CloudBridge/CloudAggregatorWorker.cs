using EdgeFL.Core.Rounds;
using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge;

/// <summary>
/// The cloud aggregator service: hosts (or joins) the cloud broker, folds gateway uploads into the
/// global model and publishes it retained.
/// </summary>
internal sealed class CloudAggregatorWorker : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    private readonly CloudAggregatorOptions _options;
    private readonly CloudAggregator _aggregator;
    private readonly IModelSeed _seed;
    private readonly IEnumerable<ICloudObserver> _observers;
    private readonly ILogger<CloudAggregatorWorker> _logger;
    private readonly ILoggerFactory _loggers;
    private readonly TopicScheme _topics;
    private readonly LoopHeartbeat _heartbeat;
    private readonly ModelSigner _signer;
    private readonly ModelVerifier _ownKey;
    private static readonly TimeSpan RetainedGrace = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    // Acknowledgements wait here for the sender loop (never published from the receive handler). A
    // dropped one costs a resend, which is acknowledged as a duplicate.
    private readonly Channel<UploadAck> _acks = Channel.CreateBounded<UploadAck>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly TaskCompletionSource _retainedSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Security.CloudBrokerAccess _access;
    private EmbeddedBroker? _broker;
    private MqttConnection? _connection;

    public CloudAggregatorWorker(
        IOptions<CloudAggregatorOptions> options,
        CloudAggregator aggregator,
        IModelSeed seed,
        ModelSigner signer,
        IEnumerable<ICloudObserver> observers,
        ILoggerFactory loggers,
        Security.CloudBrokerAccess access,
        TimeProvider? time = null,
        ServiceHealth? health = null,
        IOptions<ServiceOptions>? service = null)
    {
        // The watchdog (systemd) is fed only while this loop turns; it wakes at least every 5 s.
        _heartbeat = new LoopHeartbeat(time ?? TimeProvider.System);
        var timeout = service?.Value.LivenessTimeout ?? TimeSpan.FromSeconds(15);
        health?.AddCheck("cloud-aggregation-loop", () => _heartbeat.IsAlive(timeout));
        _options = options.Value;
        _access = access;
        _aggregator = aggregator;
        _seed = seed;
        _signer = signer;

        // A retained global model found on the broker is taken only if this aggregator signed it: else
        // anyone who can publish there could have it adopted, re-signed and sent to every gateway.
        _ownKey = signer.CreateVerifier();
        _observers = observers;
        _loggers = loggers;
        _logger = loggers.CreateLogger<CloudAggregatorWorker>();
        _topics = new TopicScheme(_options.TopicPrefix);
    }

    /// <summary>The embedded broker, when this process hosts one (tests read its counters).</summary>
    public EmbeddedBroker? Broker => _broker;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The broker listens before the host reports started, so gateways can connect at once.
        if (_options.EmbeddedBroker)
        {
            var policy = _access.CreatePolicy(out var gateways);
            if (gateways is not null)
            {
                CloudLog.GatewayCredentials(_logger, gateways.Path, gateways.Ids.Count);
            }

            _broker = new EmbeddedBroker(
                new EmbeddedBrokerOptions { BindAddress = _options.BindAddress, Port = _options.Port, MaxMessageBytes = _options.MaxUploadBytes, Tls = _options.Tls },
                _loggers.CreateLogger<EmbeddedBroker>(),
                policy);
            await _broker.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _ownKey.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_signer.Generated)
        {
            CloudLog.SigningKeyGenerated(_logger, _signer.KeyId, _signer.KeyPath, SigningKeyFiles.PublicKeyPathFor(_signer.KeyPath!));
        }
        else
        {
            CloudLog.SigningWith(_logger, _signer.KeyId, _signer.KeyPath);
        }

        var connection = _access.Connection(_options.ClientId);

        // A persistent session: uploads sent while the aggregator is down wait at the broker.
        connection.CleanStart = false;
        connection.SessionExpirySeconds = _options.SessionExpirySeconds;
        _connection = new MqttConnection(connection, _loggers.CreateLogger<MqttConnection>());

        int restored = 0;
        try
        {
            restored = _aggregator.Restore();
        }
        catch (InvalidDataException ex)
        {
            CloudLog.StateUnreadable(_logger, ex.Message);
        }

        if (_aggregator.Global is { } saved)
        {
            CloudLog.Seeded(_logger, saved.Round, $"saved state, {restored} pending uploads");
        }
        else if (await _seed.LoadAsync(stoppingToken).ConfigureAwait(false) is { } seed)
        {
            if (_aggregator.Adopt(seed with { Source = "cloud" }) is { IsAccepted: false } refused)
            {
                CloudLog.GlobalNotAdopted(_logger, "Cloud:InitialModelPath", seed.Round, refused.ToString());
            }
            else
            {
                CloudLog.Seeded(_logger, seed.Round, "seed");
            }
        }

        // A retained global model on the broker (from before a restart) wins over an older seed.
        await _connection.SubscribeAsync(_topics.CloudGlobalModel, MqttQos.AtLeastOnce, OnRetainedGlobalAsync, stoppingToken).ConfigureAwait(false);
        await _connection.SubscribeAsync(_topics.CloudUploadFilter, MqttQos.AtLeastOnce, OnUploadAsync, stoppingToken).ConfigureAwait(false);
        await _connection.StartAsync(stoppingToken).ConfigureAwait(false);
        _ = Task.Run(() => SendAcksAsync(stoppingToken), CancellationToken.None);
        // An external broker may be down for long: waiting for it is not being stuck.
        await _heartbeat.TickWhile(_connection.WaitConnectedAsync(stoppingToken), stoppingToken).ConfigureAwait(false);
        if (!_options.EmbeddedBroker)
        {
            // An external broker may hold a newer global model from before a restart; it arrives right
            // after the subscription. Give it a moment so the seed does not overwrite it.
            await Task.WhenAny(_retainedSeen.Task, Task.Delay(RetainedGrace, stoppingToken)).ConfigureAwait(false);
        }

        bool publishedSeed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            _heartbeat.Tick();
            if (!publishedSeed && _aggregator.Global is { } current)
            {
                // Retained, so every gateway that connects later finds the current global model.
                publishedSeed = await TryPublishAsync(current, stoppingToken).ConfigureAwait(false);
            }
            else if (_aggregator.Global is null)
            {
                CloudLog.WaitingForModel(_logger, _topics.CloudGlobalModel);
            }

            foreach (var (global, gateways) in _aggregator.CloseDue())
            {
                while (!await TryPublishAsync(global, stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }

                CloudLog.GlobalPublished(_logger, global.Round, gateways, global.TotalSamples);
                foreach (var observer in _observers)
                {
                    observer.GlobalPublished(global, gateways);
                }
            }

            try
            {
                await _wake.WaitAsync(_aggregator.Global is null ? TimeSpan.FromSeconds(5) : Tick, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<bool> TryPublishAsync(ModelMessage global, CancellationToken cancellationToken)
    {
        try
        {
            await _connection!.PublishAsync(_topics.CloudGlobalModel, _signer.Encode(global), MqttQos.AtLeastOnce, retain: true, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Not connected, refused, or anything else: retried, never the end of the aggregator.
            CloudLog.PublishFailed(_logger, global.Round, ex);
            return false;
        }
    }

    private Task OnRetainedGlobalAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (!message.Retain)
        {
            return Task.CompletedTask;
        }

        if (_ownKey.TryDecode(message.Payload, DecodeLimits.Default with { MaxPayloadBytes = _options.MaxUploadBytes }, out var global, out var rejection))
        {
            if (_aggregator.Adopt(global) is { IsAccepted: false, Reason: not RejectReason.WrongRound } refused)
            {
                CloudLog.GlobalNotAdopted(_logger, "the retained global model", global.Round, refused.ToString());
            }
        }
        else
        {
            CloudLog.RetainedGlobalIgnored(_logger, rejection.ToString());
        }

        _retainedSeen.TrySetResult();
        return Task.CompletedTask;
    }

    private Task OnUploadAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        string? gatewayId = _topics.GatewayIdFromUpload(message.Topic);
        if (gatewayId is null)
        {
            return Task.CompletedTask;
        }

        if (_aggregator.OnUpload(gatewayId, message.Payload, out var ack) == AdmissionOutcome.Accepted)
        {
            _wake.Release();
        }

        if (ack is not null)
        {
            _acks.Writer.TryWrite(ack);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Publishes each acknowledgement to its gateway (QoS 1). One that cannot be sent (the broker is
    /// down) is dropped: the gateway sends the upload again, and it is acknowledged as a duplicate.
    /// </summary>
    private async Task SendAcksAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var ack in _acks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _connection!.PublishAsync(_topics.CloudAck(ack.GatewayId), WireCodec.Encode(ack), MqttQos.AtLeastOnce, retain: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Whatever failed, this loop goes on: a sender that died would leave every gateway
                    // resending its upload for ever, each applied once and never acknowledged.
                    CloudLog.AckNotSent(_logger, ack.UploadId, ack.GatewayId, $"{ex.GetType().Name}: {ex.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
