using System.Buffers;
using System.Net;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeFL.Messaging;

/// <summary>
/// One supervised MQTT client connection: a timer-driven loop connects, reconnects with
/// exponential backoff and jitter, and re-subscribes on every new session. Handlers are
/// registered once and survive reconnects.
/// </summary>
/// <remarks>
/// MQTTnet 5 has no managed client; its maintainers advise reconnecting from a loop rather than from
/// inside the disconnected event, which is what <see cref="RunSupervisorAsync"/> does: the event only wakes it.
/// </remarks>
public sealed class MqttConnection : IAsyncDisposable
{
    private static readonly TimeSpan HealthCheckInterval = TimeSpan.FromSeconds(1);

    private int _disposed;
    private readonly Flow.MeteredClientAdapterFactory? _meteredTransport;
    private readonly MqttConnectionOptions _options;
    private readonly ILogger _logger;
    private IMqttClient _client;
    private readonly List<Subscription> _subscriptions = [];
    private readonly List<Func<CancellationToken, Task>> _onConnected = [];
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _gate = new();
    private CancellationTokenSource? _stop;
    private Task? _supervisor;
    private TaskCompletionSource _connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _offline;
    private long _connects;
    private int _endpointIndex;
    private bool _droppedAfterConnect;

    /// <summary>Creates a connection; nothing happens until <see cref="StartAsync"/>.</summary>
    public MqttConnection(MqttConnectionOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate("Mqtt");
        _options = options;
        _logger = logger;
        if (options.ReceiveBudgetBytes > 0)
        {
            // Handled bodies are large-object-heap garbage: a background collection per budget's worth given back (at
            // least ReceiveBudget.DefaultMinimumCollectEvery) keeps them from piling up between full collections (as in the embedded broker).
            _meteredTransport = new Flow.MeteredClientAdapterFactory(
                new Flow.ReceiveBudget(options.ReceiveBudgetBytes, options.ReceiveBudgetStallTimeout, collectEvery: options.ReceiveBudgetBytes, minimumCollectEvery: Flow.ReceiveBudget.DefaultMinimumCollectEvery),
                EmbeddedBroker.MeteredFromBytes);
        }

        _client = CreateClient();
    }

    /// <summary>The budget large incoming messages count against until acknowledged; null when <see cref="MqttConnectionOptions.ReceiveBudgetBytes"/> is 0.</summary>
    internal Flow.ReceiveBudget? ReceiveBudget => _meteredTransport?.Budget;

    /// <summary>The receive budget's size in bytes now; 0 when there is none.</summary>
    public long ReceiveBudgetBytes => _meteredTransport?.Budget.Capacity ?? 0;

    /// <summary>Sets the receive budget's size (e.g. to one update of the model being trained); no effect without a budget.</summary>
    public void ResizeReceiveBudget(long bytes) => _meteredTransport?.Budget.Resize(bytes);

    /// <summary>The broker endpoint this connection uses now, or tries next (<see cref="MqttConnectionOptions.Endpoints"/>).</summary>
    public BrokerEndpoint CurrentEndpoint
    {
        get
        {
            var endpoints = _options.EffectiveEndpoints;
            return endpoints[Volatile.Read(ref _endpointIndex) % endpoints.Count];
        }
    }

    /// <summary>The client id this connection uses.</summary>
    public string ClientId => _options.ClientId;

    /// <summary>True while the client holds a live session with the broker.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Number of successful connects so far (1 after the first; more after reconnects).</summary>
    public long ConnectCount => Interlocked.Read(ref _connects);

    /// <summary>Registers a handler for a topic filter; it is subscribed now if connected and on every new session.</summary>
    public async Task SubscribeAsync(string topicFilter, MqttQos qos, Func<InboundMessage, CancellationToken, Task> handler, CancellationToken cancellationToken = default)
    {
        var subscription = new Subscription(topicFilter, qos, handler);
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        if (_client.IsConnected)
        {
            await SubscribeOnBrokerAsync([subscription], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Registers a callback run after every successful (re)connect, once subscriptions are in place.</summary>
    public void OnConnected(Func<CancellationToken, Task> callback)
    {
        lock (_gate)
        {
            _onConnected.Add(callback);
        }
    }

    /// <summary>Starts the supervisor loop; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_supervisor is not null)
        {
            throw new InvalidOperationException($"MQTT connection '{ClientId}' is already started");
        }

        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _supervisor = Task.Run(() => RunSupervisorAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Waits until a session is up with its subscriptions in place (or the token fires).</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken = default)
    {
        Task signal;
        lock (_gate)
        {
            // The client says connected as soon as CONNACK arrives, before the subscriptions are
            // re-established: only the signal (set after them) means a session is ready. A signal left
            // set by a session that has since dropped is replaced here if the loop has not done so yet.
            if (_connectedSignal.Task.IsCompleted && !_client.IsConnected)
            {
                _connectedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            signal = _connectedSignal.Task;
        }

        return signal.WaitAsync(cancellationToken);
    }

    /// <summary>Publishes one message; throws <see cref="MqttNotConnectedException"/> when offline.</summary>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, CancellationToken cancellationToken = default) =>
        PublishAsync(topic, new ReadOnlySequence<byte>(payload), qos, retain, cancellationToken);

    /// <summary>Publishes one message whose payload may span several buffers (written to the socket without joining them).</summary>
    public async Task PublishAsync(string topic, ReadOnlySequence<byte> payload, MqttQos qos, bool retain, CancellationToken cancellationToken = default)
    {
        if (!_client.IsConnected || _offline)
        {
            throw new MqttNotConnectedException(ClientId);
        }

        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = payload,
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
            Retain = retain,
        };

        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (MQTTnet.Exceptions.MqttClientNotConnectedException)
        {
            throw new MqttNotConnectedException(ClientId);
        }
        catch (ObjectDisposedException ex)
        {
            // The client was replaced (simulated link loss) while this publish was in flight.
            throw new MqttNotConnectedException(ClientId, ex);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException ex)
        {
            Wake();
            throw new MqttNotConnectedException(ClientId, ex);
        }
        catch (NullReferenceException ex) when (!_client.IsConnected)
        {
            // MQTTnet 5's client sends through an adapter that a concurrent disconnect sets to null: a publish
            // racing the loss of the connection fails this way (seen under load in OfflineDeviceTests).
            Wake();
            throw new MqttNotConnectedException(ClientId, ex);
        }

        if (!result.IsSuccess)
        {
            throw new MqttPublishRejectedException(topic, result.ReasonCode.ToString(), result.ReasonString);
        }
    }

    /// <summary>
    /// Drops the connection and keeps it down until <see cref="GoOnline"/>: a link outage, for
    /// simulations and tests. The socket is closed without a DISCONNECT packet, so the broker sees
    /// a lost link and publishes the last will (brokers treat any DISCONNECT as clean).
    /// </summary>
    public async Task GoOfflineAsync(CancellationToken cancellationToken = default)
    {
        _offline = true;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lost = _client;
            _client = CreateClient();
            lost.ApplicationMessageReceivedAsync -= OnMessageAsync;
            lost.Dispose();
            lock (_gate)
            {
                if (_connectedSignal.Task.IsCompleted)
                {
                    _connectedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Ends a simulated outage; the supervisor reconnects at once.</summary>
    public void GoOnline()
    {
        _offline = false;
        Wake();
    }

    /// <summary>True between <see cref="GoOfflineAsync"/> and <see cref="GoOnline"/>.</summary>
    public bool IsOffline => _offline;

    /// <summary>Stops the supervisor and disconnects cleanly (the last will is not published).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_supervisor is not null)
        {
            await _supervisor.ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                MessagingLog.DisconnectFailed(_logger, ClientId, ex);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _client.Dispose();
        _stop?.Dispose();
        _wake.Dispose();
        _connectLock.Dispose();
    }

    private async Task RunSupervisorAsync(CancellationToken cancellationToken)
    {
        var backoff = new ExponentialBackoff(_options.ReconnectMinDelay, _options.ReconnectMaxDelay);
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait = HealthCheckInterval;
            bool failed = false;
            if (!_offline && !_client.IsConnected)
            {
                if (await TryConnectAsync(cancellationToken).ConfigureAwait(false))
                {
                    backoff.Reset();
                }
                else
                {
                    wait = backoff.Next();
                    failed = _droppedAfterConnect;
                }
            }
            else if (!_offline)
            {
                await PingAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                if (failed)
                {
                    // A broker that took the CONNECT and dropped the session at once (a cluster node refusing the
                    // subscriptions while their queues' home node is down): the wake-up of each drop must not cut the
                    // backoff short, or the broker is hammered.
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _wake.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> TryConnectAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var endpoint = CurrentEndpoint;
        bool sessionUp = false;
        _droppedAfterConnect = false;
        try
        {
            if (_offline || _client.IsConnected)
            {
                return _client.IsConnected;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            endpoint = CurrentEndpoint;
            var result = await _client.ConnectAsync(BuildClientOptions(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                MessagingLog.ConnectRefused(_logger, ClientId, endpoint.Host, endpoint.Port, result.ResultCode.ToString());
                NextEndpoint();
                return false;
            }

            sessionUp = true;
            Interlocked.Increment(ref _connects);
            MessagingLog.Connected(_logger, ClientId, endpoint.Host, endpoint.Port, result.IsSessionPresent);
            Subscription[] subscriptions;
            Func<CancellationToken, Task>[] callbacks;
            lock (_gate)
            {
                subscriptions = [.. _subscriptions];
                callbacks = [.. _onConnected];
            }

            await SubscribeOnBrokerAsync(subscriptions, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _connectedSignal.TrySetResult();
            }

            foreach (var callback in callbacks)
            {
                try
                {
                    await callback(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    MessagingLog.CallbackFailed(_logger, ClientId, ex);
                }
            }

            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            MessagingLog.ConnectFailed(_logger, ClientId, endpoint.Host, endpoint.Port, ex.Message);
            _droppedAfterConnect = sessionUp;
            if (!sessionUp)
            {
                // The endpoint did not answer: the next attempt goes elsewhere. One that accepted the CONNECT is up,
                // whatever failed after it, and is tried again after the backoff.
                NextEndpoint();
            }

            return false;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task PingAsync(CancellationToken cancellationToken)
    {
        // MQTT keep-alive detects a dead link eventually; this keeps the supervisor honest in between.
        if (_options.KeepAlive == TimeSpan.Zero)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            await _client.PingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A failed ping only means the link is suspect: the keep-alive or the next connect decides.
            if (!cancellationToken.IsCancellationRequested)
            {
                MessagingLog.PingFailed(_logger, ClientId, ex.Message);
            }
        }
    }

    private async Task SubscribeOnBrokerAsync(IReadOnlyCollection<Subscription> subscriptions, CancellationToken cancellationToken)
    {
        if (subscriptions.Count == 0)
        {
            return;
        }

        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var s in subscriptions)
        {
            builder.WithTopicFilter(f => f.WithTopic(s.Filter).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)s.Qos));
        }

        var result = await _client.SubscribeAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        foreach (var item in result.Items)
        {
            if ((int)item.ResultCode > 2)
            {
                MessagingLog.SubscribeRefused(_logger, ClientId, item.TopicFilter.Topic, item.ResultCode.ToString());
            }
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        var inbound = new InboundMessage(message.Topic, message.Payload, message.Retain);
        Subscription[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions];
        }

        var token = _stop?.Token ?? CancellationToken.None;
        foreach (var s in subscriptions)
        {
            if (MqttTopicFilterComparer.Compare(message.Topic, s.Filter) != MqttTopicFilterCompareResult.IsMatch)
            {
                continue;
            }

            try
            {
                await s.Handler(inbound, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // A handler's bug must not take the connection down; the message is acknowledged.
                MessagingLog.HandlerFailed(_logger, ClientId, message.Topic, ex);
            }
        }
    }

    private Task OnDisconnectedAsync(IMqttClient client, MqttClientDisconnectedEventArgs args)
    {
        // A client replaced by GoOfflineAsync may report its end late; only the current one counts.
        if (args.ClientWasConnected && ReferenceEquals(client, _client))
        {
            lock (_gate)
            {
                if (_connectedSignal.Task.IsCompleted)
                {
                    _connectedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            MessagingLog.Disconnected(_logger, ClientId, args.Reason.ToString(), args.Exception?.Message);
        }

        Wake();
        return Task.CompletedTask;
    }

    /// <summary>After a failed connect: the next attempt goes to the next endpoint (a dead cluster node is left behind).</summary>
    private void NextEndpoint()
    {
        int count = _options.EffectiveEndpoints.Count;
        if (count > 1)
        {
            var from = CurrentEndpoint;
            Interlocked.Increment(ref _endpointIndex);
            MessagingLog.EndpointSwitched(_logger, ClientId, from.ToString(), CurrentEndpoint.ToString());
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

    private IMqttClient CreateClient()
    {
        var client = _meteredTransport is null
            ? new MqttClientFactory().CreateMqttClient()
            : new MqttClientFactory().CreateMqttClient(_meteredTransport);
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += args => OnDisconnectedAsync(client, args);
        return client;
    }

    /// <summary>The options MQTTnet gets on each connect (exposed for tests of the socket settings).</summary>
    internal MqttClientOptions BuildClientOptions()
    {
        var endpoint = CurrentEndpoint;
        bool v5 = _options.Protocol == MqttProtocol.V5;
        var builder = new MqttClientOptionsBuilder()
            // WithEndPoint resets the TCP options, so it must come before WithTcpServer.
            .WithEndPoint(new DnsEndPoint(endpoint.Host, endpoint.Port))
            .WithTcpServer(o => o.BufferSize = _options.SocketBufferBytes)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(v5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithCleanStart(_options.CleanStart)
            .WithTimeout(_options.ConnectTimeout);

        // MQTT 3.1.1 has no properties: MQTTnet refuses to connect with any set (docs/PROTOCOL.md says what stands in for each).
        if (v5)
        {
            builder.WithSessionExpiryInterval(_options.SessionExpirySeconds);
        }

        builder = _options.KeepAlive == TimeSpan.Zero ? builder.WithNoKeepAlive() : builder.WithKeepAlivePeriod(_options.KeepAlive);
        if (_options.Username is not null)
        {
            builder.WithCredentials(_options.Username, _options.Password ?? "");
        }

        if (_options.Tls.Enabled)
        {
            builder.WithTlsOptions(BuildTlsOptions(_options.Tls, endpoint.Host));
        }

        if (v5 && _options.ReceiveMaximum > 0)
        {
            builder.WithReceiveMaximum(_options.ReceiveMaximum);
        }

        if (v5 && _options.MaximumPacketBytes > 0)
        {
            builder.WithMaximumPacketSize(_options.MaximumPacketBytes);
        }

        if (_options.Will is { } will)
        {
            builder.WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload)
                .WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel((MqttQualityOfServiceLevel)will.Qos);
        }

        return builder.Build();
    }

    private static MqttClientTlsOptions BuildTlsOptions(Security.MqttTlsOptions tls, string host)
    {
        var trusted = string.IsNullOrEmpty(tls.CaCertificatePath) ? null : Security.TlsCertificates.LoadPemBundle(tls.CaCertificatePath);
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13)
            .WithTargetHost(string.IsNullOrEmpty(tls.TargetHost) ? host : tls.TargetHost)
            .WithCertificateValidationHandler(e => Security.TlsCertificates.IsServerTrusted(e.Certificate, e.Chain, e.SslPolicyErrors, trusted));
        if (!string.IsNullOrEmpty(tls.ClientCertificatePath))
        {
            builder.WithClientCertificates([Security.TlsCertificates.LoadWithKey(tls.ClientCertificatePath, tls.ClientKeyPath, null)]);
        }

        return builder.Build();
    }

    private sealed record Subscription(string Filter, MqttQos Qos, Func<InboundMessage, CancellationToken, Task> Handler);
}
