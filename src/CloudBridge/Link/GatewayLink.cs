using System.Buffers;
using System.Threading.Channels;
using EdgeFL.CloudBridge.Security;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using System.Diagnostics.Metrics;
using EdgeFL.Hosting;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Messaging.Retry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace EdgeFL.CloudBridge.Link;

/// <summary>
/// The cloud's side of the network to its gateways: the embedded cloud broker (or the external broker's
/// client), the intake of uploads into the aggregator, acknowledgements back to each gateway, the
/// retained global model read at start and each new global model published.
/// </summary>
internal sealed class GatewayLink : IHostedService, IAsyncDisposable
{
    private readonly CloudAggregatorOptions _options;
    private readonly CloudBrokerAccess _access;
    private readonly CloudAggregator _aggregator;
    private readonly ModelSigner _signer;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TopicScheme _topics;

    // A retained global model found on the broker is taken only if this aggregator signed it: else
    // anyone who can publish there could have it adopted, re-signed and sent to every gateway.
    private readonly ModelVerifier _ownKey;

    // Acknowledgements wait here for the sender loop (never published from the receive handler). A
    // dropped one costs a resend, which is acknowledged as a duplicate.
    private readonly Channel<UploadAck> _acks = Channel.CreateBounded<UploadAck>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly TaskCompletionSource _retainedSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IMeterFactory _meters;
    private readonly ResiliencePipeline _retry;
    private MqttConnection? _connection;
    private readonly GlobalModelAnswers _answers;

    // Chunked uploads (PROTOCOL.md 6.4) are reassembled here, within Cloud:Chunking's bounds, before admission.
    private readonly ChunkAssembler _uploadChunks;
    private bool _takingUploads;

    private readonly Observability.CloudFleet? _fleet;

    public GatewayLink(IOptions<CloudAggregatorOptions> options, CloudBrokerAccess access, CloudAggregator aggregator, ModelSigner signer, ILoggerFactory loggers, IMeterFactory meters, Observability.CloudFleet? fleet = null)
    {
        _fleet = fleet;
        _options = options.Value;
        _access = access;
        _aggregator = aggregator;
        _signer = signer;
        _ownKey = signer.CreateVerifier();
        _loggers = loggers;
        _logger = loggers.CreateLogger<GatewayLink>();
        _topics = new TopicScheme(_options.TopicPrefix);
        _meters = meters;
        _uploadChunks = new ChunkAssembler(_options.Chunking, _options.MaxUploadBytes, _logger, aggregator.Metrics.Meter, "edgefl.cloud");

        _answers = new GlobalModelAnswers(_topics, () => _aggregator.Global, signer, _options.Chunking.MaxPayloadBytes, _logger);

        // Any failure of a global model's publish is tried again: never the end of the aggregator.
        _retry = RetryPolicy.Create(_options.Retry, _logger, "cloud: publishing a global model", retryOn: static _ => true);
    }

    /// <summary>Raised after an upload was folded in, or a gateway said it will not upload (the aggregation loop checks for complete rounds).</summary>
    public event Action? UploadAccepted;

    /// <summary>Reassembles chunked uploads (its counters: <see cref="ChunkAssembler.Metrics"/>).</summary>
    public ChunkAssembler UploadChunks => _uploadChunks;

    /// <summary>The embedded broker, when this process hosts one (tests read its counters).</summary>
    public EmbeddedBroker? Broker { get; private set; }

    /// <summary>Completes when the broker has delivered the retained global model (if it holds one).</summary>
    public Task RetainedSeen => _retainedSeen.Task;

    /// <summary>Starts the embedded broker, so gateways can connect as soon as the host has started.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.EmbeddedBroker)
        {
            return;
        }

        var policy = _access.CreatePolicy(out var gateways);
        if (gateways is not null)
        {
            CloudLog.GatewayCredentials(_logger, gateways.Path, gateways.Ids.Count);
        }

        Broker = new EmbeddedBroker(
            new EmbeddedBrokerOptions { BindAddress = _options.BindAddress, Port = _options.Port, MaxMessageBytes = _options.MaxUploadBytes, MaxRetainedBytes = _options.MaxUploadBytes + (16L * 1024 * 1024), Tls = _options.Tls, MaxConnections = _options.MaxConnections },
            _loggers.CreateLogger<EmbeddedBroker>(),
            policy,
            meters: _meters);

        // Uploads are taken in the broker's receive path, on each gateway's connection, before its PUBACK (as a
        // gateway takes its devices' updates): no copy queued for the aggregator's client (which held every
        // upload of a sync: O(gateways x model)), and concurrent uploads share the journal's commits. They go
        // no further. Until the aggregator has its model (ConnectAsync) they are dropped unacknowledged, as a
        // broker without the aggregator's session would: each gateway sends again after its ack timeout.
        Broker.AddLocalConsumer(_topics.CloudUploadFilter, TakeUpload, forward: false, _options.MaxUploadBytes);
        try
        {
            await Broker.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ServiceRunner.IsAddressInUse(ex))
        {
            string tls = _options.Tls.Enabled ? $" (or {CloudAggregatorOptions.Section}:Tls:Port {_options.Tls.Port})" : "";
            throw new ServiceStartException($"{CloudAggregatorOptions.Section}:Port {_options.Port} on {_options.BindAddress}{tls} is already in use by another process", ex);
        }
    }

    /// <summary>Connects the aggregator's own client (persistent session), subscribes to uploads and the retained global model, and starts the acknowledgement sender.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = _access.Connection(_options.ClientId);

        // A persistent session: uploads sent while the aggregator is down wait at the broker.
        connection.CleanStart = false;
        connection.SessionExpirySeconds = _options.SessionExpirySeconds;
        _connection = new MqttConnection(connection, _loggers.CreateLogger<MqttConnection>());

        // A retained global model on the broker (from before a restart) wins over an older seed.
        await _connection.SubscribeAsync(_topics.CloudGlobalModel, MqttQos.AtLeastOnce, OnRetainedGlobalAsync, cancellationToken).ConfigureAwait(false);

        // Gateways ask for the current global model on every connect: correctness does not rest on RETAIN.
        await _connection.SubscribeAsync(_topics.CloudGlobalRequestFilter, MqttQos.AtLeastOnce, _answers.OnRequestAsync, cancellationToken).ConfigureAwait(false);
        // Gateways' presence (online, idle, or offline as a last will): a sync does not wait for one that will not upload.
        await _connection.SubscribeAsync(_topics.CloudGatewayStatusFilter, MqttQos.AtLeastOnce, OnPresenceAsync, cancellationToken).ConfigureAwait(false);
        if (Broker is null)
        {
            await _connection.SubscribeAsync(_topics.CloudUploadFilter, MqttQos.AtLeastOnce, _uploadChunks.Wrap(OnUploadAsync), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _takingUploads = true;
        }

        if (_fleet is { } fleet)
        {
            // The gateways' fleet reports, for the dashboard: QoS 0, the next one replaces a lost one.
            await _connection.SubscribeAsync(_topics.CloudFleetReportFilter, MqttQos.AtMostOnce, (m, _) =>
            {
                if (_topics.GatewayIdFromFleetReport(m.Topic) is { } gatewayId)
                {
                    fleet.OnReport(gatewayId, m.Payload);
                }

                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        await _connection.StartAsync(cancellationToken).ConfigureAwait(false);
        _ = Task.Run(() => new AckSender(Broker is { } broker ? AckSender.Through(broker) : AckSender.Through(_connection), _topics, _logger).RunAsync(_acks.Reader, _stopping.Token), CancellationToken.None);
        _ = Task.Run(() => _answers.RunAsync(_connection, _stopping.Token), CancellationToken.None);
    }

    /// <summary>Global models sent to gateways that asked for one.</summary>
    public long GlobalAnswers => _answers.Answered;

    /// <summary>Waits until the aggregator's own client is connected.</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken) => _connection!.WaitConnectedAsync(cancellationToken);

    /// <summary>
    /// Publishes a global model, signed and retained (every gateway that connects later finds it), retrying
    /// (Cloud:Retry) until it is out or the aggregator stops; <paramref name="heartbeat"/> is fed while it waits.
    /// Over Cloud:Chunking:MaxPayloadBytes it goes as chunks, which are not retained (PROTOCOL.md 6.4).
    /// </summary>
    public async Task PublishAsync(ModelMessage global, LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        byte[] payload = _signer.Encode(global);
        var publish = _retry.ExecuteAsync(
            async ct => await ChunkedPublisher.PublishAsync(_connection!, _topics.CloudGlobalModel, payload, MqttQos.AtLeastOnce, retain: true, _options.Chunking.MaxPayloadBytes, _logger, ct).ConfigureAwait(false),
            cancellationToken);
        await heartbeat.TickWhile(publish.AsTask(), cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (Broker is not null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }

        _ownKey.Dispose();
        _uploadChunks.Dispose();
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

    private Task OnPresenceAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (_topics.GatewayIdFromStatus(message.Topic) is { } gatewayId
            && GatewayPresenceCodec.TryDecode(message.Payload, out var presence)
            && _aggregator.OnPresence(gatewayId, presence))
        {
            UploadAccepted?.Invoke();
        }

        return Task.CompletedTask;
    }

    private ConsumerVerdict TakeUpload(InboundMessage message)
    {
        if (Volatile.Read(ref _takingUploads))
        {
            if (!ChunkCodec.IsChunk(message.Payload))
            {
                OnUpload(message);
            }
            else if (_uploadChunks.Take(message.Topic, message.Payload) is { } whole)
            {
                OnUpload(new InboundMessage(message.Topic, new ReadOnlySequence<byte>(whole), Retain: false));
            }
        }

        return ConsumerVerdict.Taken();
    }

    private Task OnUploadAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        OnUpload(message);
        return Task.CompletedTask;
    }

    private void OnUpload(InboundMessage message)
    {
        if (_topics.GatewayIdFromUpload(message.Topic) is not { } gatewayId)
        {
            return;
        }

        if (_aggregator.OnUpload(gatewayId, message.Payload, out var ack) == AdmissionOutcome.Accepted)
        {
            UploadAccepted?.Invoke();
        }

        if (ack is not null)
        {
            _acks.Writer.TryWrite(ack);
        }
    }
}
