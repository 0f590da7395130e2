using System.Runtime.CompilerServices;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Messaging.Retry;
using Microsoft.Extensions.Logging;
using Polly;

namespace EdgeFL.CloudLink;

/// <summary>
/// The gateway side of the bridge. Uploads go into a <see cref="DurableOutbox"/> first; a sender loop
/// publishes them in order with QoS 1 over a persistent session and removes each only when the cloud
/// aggregator acknowledges it (<c>{prefix}/cloud/acks/{gw}</c>, sent once the upload is journaled),
/// sending it again after <see cref="CloudUplinkOptions.AckTimeout"/> or a reconnect. A broker's PUBACK
/// is not enough: a broker that stops right after it, or has no subscriber yet, loses the message
/// (measured: see docs/OPERATIONS.md). So a cloud outage, a crash or a reboot loses nothing. It also
/// follows the retained global model, taking only one that passes its <see cref="ModelVerifier"/>
/// (checked before decoding).
/// </summary>
public sealed class CloudUplink : ICloudUplink, IAsyncDisposable
{
    private readonly CloudUplinkOptions _options;
    private readonly TopicScheme _topics;
    private readonly ILogger _logger;
    private readonly MqttConnection _connection;
    private readonly DecodeLimits _limits;
    private readonly DurableOutbox _outbox;
    private readonly ModelVerifier _verifier;
    private readonly RejectionLogLimiter _logLimiter = new(TimeProvider.System);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly Lock _lock = new();
    private CancellationTokenSource? _stop;
    private Task? _sender;
    private long _delivered;
    private ModelMessage? _latest;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _gatewayId;
    private (string UploadId, TaskCompletionSource<UploadAck> Ack)? _awaiting;
    private readonly ResiliencePipeline _sendRetry;
    private readonly ChunkAssembler _globalChunks;
    private readonly GlobalModelRequester _globalRequests;
    private int _presence = (int)GatewayPresence.Online;

    /// <summary>
    /// Creates the uplink for one gateway; <paramref name="verifier"/> decides which global models are taken. The
    /// chunk counters are instruments of <paramref name="meter"/> (the gateway's) when given.
    /// </summary>
    public CloudUplink(CloudUplinkOptions options, string gatewayId, TopicScheme topics, DurableOutbox outbox, ModelVerifier verifier, ILogger logger, System.Diagnostics.Metrics.Meter? meter = null)
    {
        _globalChunks = new ChunkAssembler(options.Chunking, options.MaxModelBytes, logger, meter, "edgefl.gateway");
        _options = options;
        _gatewayId = gatewayId;
        _verifier = verifier;
        _outbox = outbox;
        _outbox.Enqueued += Wake;
        _topics = topics;
        _logger = logger;
        _limits = DecodeLimits.Default with { MaxPayloadBytes = options.MaxModelBytes };
        _sendRetry = RetryPolicy.Create(options.Retry, logger, $"Uplink of {gatewayId}: sending the outbox's oldest message", static _ => true);
        string? password = EdgeFL.Messaging.Security.SecretFile.Resolve(options.Password, options.PasswordFile, CloudUplinkOptions.Section + ":PasswordFile");
        var protocol = MqttProtocolNames.Parse(options.ProtocolVersion, CloudUplinkOptions.Section + ":ProtocolVersion");
        _connection = new MqttConnection(
            new MqttConnectionOptions
            {
                Host = options.Host,
                Port = options.Port,
                Endpoints = BrokerEndpoint.ParseAll(options.Endpoints, CloudUplinkOptions.Section + ":Endpoints"),
                Protocol = protocol,
                ClientId = string.IsNullOrEmpty(options.ClientId) ? $"{gatewayId}-uplink" : options.ClientId,
                Username = password is null ? options.Username : options.Username ?? gatewayId,
                Password = password,
                Tls = options.Tls,
                SocketBufferBytes = options.SocketBufferBytes,
                // MQTT 3.1.1 has no session expiry: a persistent session would be kept for ever (and on a clustered
                // RabbitMQ its queue is bound to one node). Nothing needs it: the head upload is sent again on every new
                // session and the global model is asked for on every connect.
                CleanStart = protocol != MqttProtocol.V5,
                SessionExpirySeconds = options.SessionExpirySeconds,
                Will = new LastWill(topics.CloudGatewayStatus(gatewayId), GatewayPresenceCodec.Encode(GatewayPresence.Offline), Retain: false),
            },
            logger);
        _globalRequests = new GlobalModelRequester(_connection, topics, gatewayId, () => LatestGlobal?.Round, logger);
        _connection.OnConnected(async ct =>
        {
            Wake();

            // Whatever the broker retains (nothing, or only on another node), the cloud answers with its current global model.
            await _globalRequests.RequestAsync(ct).ConfigureAwait(false);
            await AnnouncePresenceAsync(ct).ConfigureAwait(false);
        });
    }

    /// <summary>Raised with the reason (a counter key) for every global model that was not taken.</summary>
    public event Action<string>? GlobalRejected;

    /// <summary>Uploads delivered since start: acknowledged by the cloud (by the broker when <see cref="CloudUplinkOptions.AckTimeout"/> is zero).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Reassembles chunked global models (its counters: <see cref="ChunkAssembler.Metrics"/>).</summary>
    public ChunkAssembler GlobalChunks => _globalChunks;

    /// <summary>The outbox this uplink drains.</summary>
    public DurableOutbox Outbox => _outbox;

    /// <summary>True while connected to the cloud broker.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <summary>The cloud broker endpoint the uplink uses now (or tries next).</summary>
    public BrokerEndpoint Endpoint => _connection.CurrentEndpoint;

    /// <summary>Global model requests sent to the cloud (one per connect).</summary>
    public long GlobalRequests => _globalRequests.Sent;

    /// <inheritdoc />
    public ModelMessage? LatestGlobal
    {
        get { lock (_lock) { return _latest; } }
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // The live global model and the cloud's answer to this gateway's request: one handler, one reassembly.
        var onGlobal = _globalChunks.Wrap(OnGlobalAsync);
        await _connection.SubscribeAsync(_topics.CloudGlobalModel, MqttQos.AtLeastOnce, onGlobal, cancellationToken).ConfigureAwait(false);
        await _connection.SubscribeAsync(_topics.CloudGlobalFor(_gatewayId), MqttQos.AtLeastOnce, onGlobal, cancellationToken).ConfigureAwait(false);
        if (_options.AckTimeout > TimeSpan.Zero)
        {
            await _connection.SubscribeAsync(_topics.CloudAck(_gatewayId), MqttQos.AtLeastOnce, OnAckAsync, cancellationToken).ConfigureAwait(false);
        }

        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Volatile.Write(ref _presence, (int)GatewayPresence.Online);
        await _connection.StartAsync(_stop.Token).ConfigureAwait(false);
        _sender = Task.Run(() => RunSenderAsync(_stop.Token), CancellationToken.None);
    }

    /// <inheritdoc />
    public Task UploadAsync(GatewayUpload upload, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (topic, payload, key) = Prepare(upload);
        var outcome = _outbox.Enqueue(topic, payload, key);
        if (!outcome.Queued)
        {
            throw new InvalidOperationException($"upload {upload.UploadId} ({payload.Length} bytes) is larger than the outbox may hold");
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<bool> PublishFleetReportAsync(byte[] report, CancellationToken cancellationToken = default)
    {
        if (!_connection.IsConnected)
        {
            return false;
        }

        try
        {
            await _connection.PublishAsync(_topics.CloudFleetReport(_gatewayId), report, MqttQos.AtMostOnce, retain: false, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is MqttNotConnectedException or MqttPublishRejectedException)
        {
            return false;
        }
    }

    /// <summary>The topic, payload and coalescing key of an upload, for a caller that queues it in its own transaction.</summary>
    public (string Topic, byte[] Payload, string CoalesceKey) Prepare(GatewayUpload upload) =>
        (_topics.CloudUpload(upload.GatewayId), WireCodec.Encode(upload), "model:" + upload.GatewayId);

    /// <inheritdoc />
    public async Task<ModelMessage?> WaitForGlobalAsync(long minRound, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            cts.CancelAfter(timeout);
        }

        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_latest is { } m && m.Round >= minRound)
                {
                    return m;
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <inheritdoc />
    public Task AnnounceAsync(GatewayPresence presence, CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _presence, (int)presence);
        return AnnouncePresenceAsync(cancellationToken);
    }

    /// <summary>Tests: drops the link without a DISCONNECT, as a crash would (the broker publishes the last will).</summary>
    internal Task DropLinkAsync(CancellationToken cancellationToken = default) => _connection.GoOfflineAsync(cancellationToken);

    /// <summary>Publishes the presence last announced (online until told otherwise); best effort, a reconnect sends it again.</summary>
    private async Task AnnouncePresenceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var presence = (GatewayPresence)Volatile.Read(ref _presence);
            await _connection.PublishAsync(_topics.CloudGatewayStatus(_gatewayId), GatewayPresenceCodec.Encode(presence), MqttQos.AtLeastOnce, retain: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttNotConnectedException or MqttPublishRejectedException or OperationCanceledException)
        {
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        // A clean DISCONNECT does not publish the last will: say it here, so the cloud does not wait for this gateway.
        if (_stop is { IsCancellationRequested: false } && _connection.IsConnected)
        {
            await AnnounceAsync(GatewayPresence.Offline, cancellationToken).ConfigureAwait(false);
        }

        if (_stop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        if (_sender is not null)
        {
            await _sender.ConfigureAwait(false);
        }

        await _connection.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _outbox.Enqueued -= Wake;
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _globalChunks.Dispose();
        _stop?.Dispose();
    }

    private async Task RunSenderAsync(CancellationToken cancellationToken)
    {
        bool reportedWaiting = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var entry = _outbox.Peek();
            if (entry is null || !_connection.IsConnected)
            {
                if (entry is not null && !reportedWaiting)
                {
                    OutboxLog.Depth(_logger, _outbox.Count, _outbox.Bytes, "down");
                    reportedWaiting = true;
                }

                await WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                continue;
            }

            reportedWaiting = false;
            try
            {
                // Every failure is tried again, with backoff: the sender must not die, or nothing would leave
                // the outbox until a restart. A retry sends the outbox's head of that moment.
                var head = new StrongBox<OutboxEntry?>(entry);
                await _sendRetry.ExecuteAsync(static (s, ct) => new ValueTask(s.Uplink.SendHeadAsync(s.Head, ct)), (Uplink: this, Head: head), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="head"/>'s entry (the first attempt: the one the loop peeked) or else the oldest
    /// queued one, if connected, and waits for its acknowledgement. Removed only once
    /// delivered: a crash in between sends it again, and the cloud applies each upload id once (and
    /// acknowledges a repeat as a duplicate). A broker's refusal is recorded (the outbox dead-letters the
    /// entry after Gateway:Outbox:MaxAttempts of them) and thrown, for the retry policy to back off.
    /// </summary>
    private async Task SendHeadAsync(StrongBox<OutboxEntry?> head, CancellationToken cancellationToken)
    {
        var entry = head.Value ?? _outbox.Peek();
        head.Value = null;
        if (entry is null || !_connection.IsConnected)
        {
            return;
        }

        var awaiting = ExpectAck(entry);
        // The connection's own count, which moves at the CONNACK: a send begun between a CONNACK and the on-connected
        // callback must not count that session as a new one and go again (for a chunked upload, the whole model twice).
        long session = _connection.ConnectCount;
        try
        {
            // Over Gateway:Cloud:Chunking:MaxPayloadBytes it goes as chunks; either way it stays queued until the cloud acknowledges the whole.
            await ChunkedPublisher.PublishAsync(_connection, entry.Topic, entry.Payload, MqttQos.AtLeastOnce, retain: false, _options.Chunking.MaxPayloadBytes, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttPublishRejectedException ex)
        {
            _outbox.RecordRefusal(entry.Id, ex.Message);
            throw;
        }

        if (awaiting is null)
        {
            MarkDelivered(entry);
        }
        else
        {
            await AwaitAckAsync(entry, awaiting, session, cancellationToken).ConfigureAwait(false);
        }
    }

    private void MarkDelivered(OutboxEntry entry)
    {
        _outbox.Acknowledge(entry.Id);
        Interlocked.Increment(ref _delivered);
        OutboxLog.Delivered(_logger, entry.Id, entry.Topic, entry.Payload.Length);
    }

    /// <summary>
    /// Registers the wait for an entry's acknowledgement before it is published (so an acknowledgement
    /// that beats the PUBACK is not missed); null when acknowledgements are off, or the entry is not an
    /// upload this uplink can name (then the PUBACK counts).
    /// </summary>
    internal TaskCompletionSource<UploadAck>? ExpectAck(OutboxEntry entry)
    {
        if (_options.AckTimeout <= TimeSpan.Zero
            || !WireCodec.TryDecodeUpload(new System.Buffers.ReadOnlySequence<byte>(entry.Payload), DecodeLimits.Default with { MaxPayloadBytes = entry.Payload.Length }, out var upload, out _))
        {
            return null;
        }

        var ack = new TaskCompletionSource<UploadAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _awaiting = (upload!.UploadId, ack);
        }

        return ack;
    }

    /// <summary>
    /// Waits for the cloud's acknowledgement of a published entry. Applied (or applied before): removed.
    /// Refused for good: moved to the dead-letter table. Superseded meanwhile (coalescing): left. No answer
    /// within the timeout, or a new session since the publish: returns, and the loop sends it again.
    /// </summary>
    private async Task AwaitAckAsync(OutboxEntry entry, TaskCompletionSource<UploadAck> awaiting, long session, CancellationToken cancellationToken)
    {
        long published = Environment.TickCount64;
        while (true)
        {
            if (awaiting.Task.IsCompletedSuccessfully)
            {
                var ack = awaiting.Task.Result;
                if (ack.IsApplied)
                {
                    MarkDelivered(entry);
                }
                else
                {
                    _outbox.DeadLetter(entry.Id, $"the cloud refused upload {ack.UploadId}: {ack.Outcome}");
                }

                return;
            }

            var waited = TimeSpan.FromMilliseconds(Environment.TickCount64 - published);
            if (!_outbox.IsQueued(entry.Id))
            {
                return;
            }

            if (waited >= _options.AckTimeout || _connection.ConnectCount != session)
            {
                lock (_lock)
                {
                    OutboxLog.Resending(_logger, entry.Id, _awaiting?.UploadId ?? "?", _options.AckTimeout);
                }

                return;
            }

            var left = _options.AckTimeout - waited;
            await WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The handler of the cloud's acknowledgements: completes the wait for the upload it names.</summary>
    internal Task OnAckAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (!WireCodec.TryDecodeAck(message.Payload, DecodeLimits.Default with { MaxPayloadBytes = 4096, MaxTensors = 0 }, out var ack, out _)
            || !string.Equals(ack!.GatewayId, _gatewayId, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            if (_awaiting is { } awaiting && string.Equals(awaiting.UploadId, ack.UploadId, StringComparison.Ordinal))
            {
                awaiting.Ack.TrySetResult(ack);
            }
        }

        Wake();
        return Task.CompletedTask;
    }

    private async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _wake.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The handler of the retained global model: size check, decoding, newest round kept (internal for the fuzz tests).</summary>
    internal Task OnGlobalAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (!_verifier.TryDecode(message.Payload, _limits, out var model, out var rejection))
        {
            Reject(rejection);
            return Task.CompletedTask;
        }

        TaskCompletionSource arrived;
        lock (_lock)
        {
            if (_latest is not null && model.Round <= _latest.Round)
            {
                return Task.CompletedTask;
            }

            _latest = model;
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        CloudLinkLog.GlobalReceived(_logger, model.Round, model.TotalSamples);
        arrived.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>Counts every rejection; logs at most 5 a minute per reason, so a flood of bad models cannot flood the log.</summary>
    private void Reject(ModelRejection rejection)
    {
        GlobalRejected?.Invoke(rejection.Reason);
        if (_logLimiter.ShouldLog(rejection.Reason, out long suppressed))
        {
            if (suppressed > 0)
            {
                CloudLinkLog.GlobalRejectionsSuppressed(_logger, suppressed, rejection.Reason);
            }

            CloudLinkLog.GlobalRejected(_logger, rejection.ToString());
        }
    }
}
