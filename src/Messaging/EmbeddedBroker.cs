using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Messaging.Broker;
using EdgeFL.Messaging.Flow;
using EdgeFL.Messaging.Security;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Messaging;

/// <summary>
/// An MQTTnet broker hosted in-process, listening on TCP (and TLS when configured), with EdgeFL's
/// size limit enforced and, when given an access policy, authentication and per-topic rights.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private const string IdentityKey = "edgefl.identity";

    // The session items of messages this process publishes through PublishLocalAsync (no client connection): the
    // access policy lets them through; other injected messages, with the server's own items, it refuses.
    private readonly System.Collections.Hashtable _localPublisher = new() { [IdentityKey] = "local" };

    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly MqttServer _server;
    private readonly IBrokerAccessPolicy? _policy;
    private readonly RejectionLogLimiter _refusalLogs;
    private readonly List<LocalConsumer> _localConsumers = [];
    private readonly BrokerConnections _connections;
    private readonly RetainedSubscribeGuard _retainedGuard;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly BrokerMetrics _metrics;
    private readonly Dictionary<string, long> _retainedBytes = new(StringComparer.Ordinal);
    private readonly Lock _retainedLock = new();
    private long _retainedTotal;

    /// <summary>The largest first packet (CONNECT) a client may send before it is authenticated.</summary>
    internal const long FirstPacketBytes = 64 * 1024;

    /// <summary>Room for a publish's topic and properties on top of <see cref="EmbeddedBrokerOptions.MaxMessageBytes"/>.</summary>
    internal const long PacketOverheadBytes = 64 * 1024;

    /// <summary>Packet bodies from this size on count against the receive budget.</summary>
    internal const long MeteredFromBytes = 64 * 1024;

    /// <summary>The longest reason string sent in a PUBACK.</summary>
    internal const int MaxReasonChars = 256;

    /// <summary>The meter tag naming the broker's port (it tells the brokers of one process apart).</summary>
    public const string PortTag = "server.port";

    /// <summary>
    /// Creates the broker; it listens once <see cref="StartAsync"/> returns. Without a
    /// <paramref name="policy"/> every client may connect and do anything. Its counters are the
    /// instruments of a meter <c>EdgeFL.Broker</c> (tag <c>server.port</c>) made by <paramref name="meters"/>
    /// (the host's), or of one the broker makes and disposes when none is given.
    /// </summary>
    public EmbeddedBroker(EmbeddedBrokerOptions options, ILogger logger, IBrokerAccessPolicy? policy = null, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate("Broker");
        _options = options;
        _logger = logger;
        _policy = policy;
        _refusalLogs = new RejectionLogLimiter(time ?? TimeProvider.System);
        var address = IPAddress.Parse(options.BindAddress);
        var factory = new MqttServerFactory();
        var builder = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(options.Port)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .WithDefaultCommunicationTimeout(options.ConnectTimeout)
            .WithPersistentSessions();
        builder = address.AddressFamily == AddressFamily.InterNetworkV6
            ? builder.WithDefaultEndpointBoundIPAddress(IPAddress.None).WithDefaultEndpointBoundIPV6Address(address)
            : builder.WithDefaultEndpointBoundIPAddress(address).WithDefaultEndpointBoundIPV6Address(
                address.Equals(IPAddress.Any) ? IPAddress.IPv6Any : IPAddress.None);
        if (options.Tls.Enabled)
        {
            var tlsAddress = IPAddress.Parse(options.Tls.BindAddress);
            builder = builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointPort(options.Tls.Port)
                .WithEncryptionCertificate(TlsCertificates.LoadWithKey(options.Tls.CertificatePath!, options.Tls.KeyPath, options.Tls.CertificatePassword))
                .WithEncryptionSslProtocol(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13);
            builder = tlsAddress.AddressFamily == AddressFamily.InterNetworkV6
                ? builder.WithEncryptedEndpointBoundIPAddress(IPAddress.None).WithEncryptedEndpointBoundIPV6Address(tlsAddress)
                : builder.WithEncryptedEndpointBoundIPAddress(tlsAddress).WithEncryptedEndpointBoundIPV6Address(
                    tlsAddress.Equals(IPAddress.Any) ? IPAddress.IPv6Any : IPAddress.None);
        }

        // MQTTnet's server on listeners of our own (Broker/): each connection's announced packet size is checked
        // before MQTTnet allocates the body, large bodies share a receive budget, and a handled message is let go.
        _connections = new BrokerConnections(
            new BodyLimits(FirstPacketBytes, options.MaxMessageBytes + PacketOverheadBytes, MeteredFromBytes),
            options.ReceiveBudgetBytes > 0
                ? new ReceiveBudget(options.ReceiveBudgetBytes, options.ReceiveBudgetStallTimeout, time, collectEvery: options.ReceiveBudgetBytes, minimumCollectEvery: ReceiveBudget.DefaultMinimumCollectEvery)
                : null,
            OnOversizePacket,
            options.MaxConnections,
            OnConnectionOverLimit);
        _server = factory.CreateMqttServer(builder.Build(), [new BrokerServerAdapter(_connections, logger)]);
        _server.InterceptingPublishAsync += OnInterceptingPublishAsync;
        if (policy is not null)
        {
            _server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
            _server.InterceptingSubscriptionAsync += OnInterceptingSubscriptionAsync;
        }

        _retainedGuard = new RetainedSubscribeGuard(_server);
        _ownsMeter = meters is null;
        _meter = EdgeFlMeters.Create(meters, EdgeFlMeters.Broker, new KeyValuePair<string, object?>(PortTag, options.Port));
        _metrics = new BrokerMetrics(_meter, _retainedGuard, _connections.Budget, _connections.Bytes);
        _server.ClientConnectedAsync += _ => { _metrics.ClientConnected(); return Task.CompletedTask; };
        _server.ClientDisconnectedAsync += _ => { _metrics.ClientDisconnected(); return Task.CompletedTask; };
    }

    /// <summary>The meter the broker's counters are published on.</summary>
    public Meter Meter => _meter;

    /// <summary>The port the broker listens on.</summary>
    public int Port => _options.Port;

    /// <summary>The TLS port, when the TLS listener is on.</summary>
    public int? TlsPort => _options.Tls.Enabled ? _options.Tls.Port : null;

    /// <summary>Connections refused (bad or missing credentials, a reserved client id).</summary>
    public long ConnectionsRefused => _metrics.ConnectionsRefused.Value;

    /// <summary>Publishes refused because the client had no right to the topic.</summary>
    public long PublishesRefused => _metrics.PublishesRefused.Value;

    /// <summary>Subscriptions refused because the client had no right to the filter.</summary>
    public long SubscriptionsRefused => _metrics.SubscriptionsRefused.Value;

    /// <summary>
    /// Publishes dropped because they exceeded <see cref="EmbeddedBrokerOptions.MaxMessageBytes"/>, and connections
    /// closed because they announced a packet larger than that (plus <see cref="PacketOverheadBytes"/>; a first packet
    /// over <see cref="FirstPacketBytes"/>) before it was read.
    /// </summary>
    public long OversizeDropped => _metrics.OversizeDropped.Value;

    /// <summary>Connections open now (accepted and not yet closed, authenticated or not).</summary>
    public int ConnectionsOpen => _connections.Open;

    /// <summary>True while the server is started (listening).</summary>
    public bool IsRunning => _server.IsStarted;

    /// <summary>Clients connected right now.</summary>
    public int ConnectedClients => _metrics.ConnectedClients;

    /// <summary>The receive budget shared by the connections; null when off.</summary>
    internal ReceiveBudget? Budget => _connections.Budget;

    /// <summary>The receive budget's size in bytes now; 0 when there is none.</summary>
    public long ReceiveBudgetBytes => _connections.Budget?.Capacity ?? 0;

    /// <summary>Sets the receive budget's size (e.g. to one update of the model being trained); no effect without a budget.</summary>
    public void ResizeReceiveBudget(long bytes) => _connections.Budget?.Resize(bytes);

    /// <summary>Retained messages enqueued again to a subscriber whose SUBSCRIBE raced their publish (<see cref="RetainedSubscribeGuard"/>).</summary>
    public long RetainedRedelivered => _retainedGuard.Redelivered;

    /// <summary>The MQTTnet server, for components (authentication, ACLs) that hook into it.</summary>
    internal MqttServer Server => _server;

    /// <summary>
    /// Hands every authorized publish matching <paramref name="filter"/> that is within the size limit to
    /// <paramref name="consumer"/> in the broker's receive path: on the publisher's connection, before the
    /// publisher's PUBACK, and without the two copies and the queue of a loopback subscription. Consumers
    /// run concurrently for different publishers. Register before <see cref="StartAsync"/>.
    /// </summary>
    /// <remarks>
    /// <para><b>Payload lifetime: borrowed, read-only, for the duration of the call.</b> The payload is
    /// the broker's buffer for this message: the broker still forwards it to any subscribers after the
    /// consumer returns, and nothing promises that the buffer is not reused or pooled afterwards (MQTTnet
    /// 5.2 happens to allocate one per message; a later version or a pooled channel need not). A consumer
    /// must not write to it, and whatever it keeps beyond the call (a decoded model whose tensors borrow
    /// the payload, a queue entry) must be copied out before it returns.</para>
    /// <para>The message is acknowledged even when the consumer throws (the exception is logged): a
    /// consumer's bug must not take the publisher's connection down or make it resend for ever.</para>
    /// </remarks>
    public void AddLocalConsumer(string filter, Action<InboundMessage> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        AddLocalConsumer(filter, m => { consumer(m); return ConsumerVerdict.Taken(); }, forward: true);
    }

    /// <summary>
    /// As <see cref="AddLocalConsumer(string, Action{InboundMessage})"/>, with the consumer's verdict sent back in the
    /// publisher's PUBACK (reason code and reason string, MQTT 5). With <paramref name="forward"/> false the
    /// message goes no further: it is neither delivered to subscribers nor retained (device updates and declines).
    /// </summary>
    public void AddLocalConsumer(string filter, Func<InboundMessage, ConsumerVerdict> consumer, bool forward) =>
        AddLocalConsumer(filter, consumer, forward, long.MaxValue);

    /// <summary>
    /// As <see cref="AddLocalConsumer(string, Func{InboundMessage, ConsumerVerdict}, bool)"/>, with a size limit of the
    /// topic kind's own: a larger message on <paramref name="filter"/> is refused (PUBACK 0x97 Quota exceeded), neither
    /// consumed, forwarded nor retained (device status and telemetry are a few hundred bytes).
    /// </summary>
    public void AddLocalConsumer(string filter, Func<InboundMessage, ConsumerVerdict> consumer, bool forward, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(filter);
        ArgumentNullException.ThrowIfNull(consumer);
        if (_server.IsStarted)
        {
            throw new InvalidOperationException("local consumers are registered before the broker starts");
        }

        _localConsumers.Add(new LocalConsumer(filter, consumer, forward, maxBytes));
    }

    /// <summary>
    /// Publishes a message from this process straight into the broker's sessions, without a client connection (no
    /// encoding, socket or PUBACK round trip): for a service hosting the broker to answer its clients (the cloud's
    /// acknowledgements). It passes the access policy; a QoS 1 message is queued for an offline persistent session as
    /// any other. Completes when the broker has queued it for its subscribers.
    /// </summary>
    public Task PublishLocalAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, CancellationToken cancellationToken = default)
    {
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new System.Buffers.ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
        };
        return _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { CustomSessionItems = _localPublisher }, cancellationToken);
    }

    /// <summary>Starts listening; throws when the port cannot be bound.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _server.StartAsync().ConfigureAwait(false);
        if (!_server.IsStarted)
        {
            throw new InvalidOperationException($"embedded broker could not listen on {_options.BindAddress}:{_options.Port}");
        }

        MessagingLog.BrokerStarted(_logger, _options.BindAddress, _options.Port);
        if (_options.Tls.Enabled)
        {
            MessagingLog.BrokerTlsStarted(_logger, _options.Tls.BindAddress, _options.Tls.Port);
        }

        if (_policy is null)
        {
            MessagingLog.BrokerOpen(_logger);
        }
    }

    /// <summary>Stops listening and drops every client.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_server.IsStarted)
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
            MessagingLog.BrokerStopped(_logger);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _server.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>Refuses a publish: not processed, and the publisher's PUBACK says why.</summary>
    private static void Refuse(InterceptingPublishEventArgs args, MqttPubAckReasonCode code, string reason)
    {
        args.ProcessPublish = false;
        args.Response.ReasonCode = code;
        args.Response.ReasonString = reason;
    }

    private void LogOversize(string clientId, string topic, long length, long limit)
    {
        if (_refusalLogs.ShouldLog("oversize:" + clientId, out long suppressed))
        {
            MessagingLog.OversizeDropped(_logger, clientId, topic, length, limit, suppressed);
        }
    }

    /// <summary>
    /// Books a retained message's size against Broker:MaxRetainedBytes (an empty payload clears the topic's);
    /// false, with nothing booked, when it would go over.
    /// </summary>
    private bool TryKeepRetained(string topic, long length)
    {
        lock (_retainedLock)
        {
            long old = _retainedBytes.GetValueOrDefault(topic);
            long total = _retainedTotal - old + length;
            if (length > 0 && total > _options.MaxRetainedBytes)
            {
                return false;
            }

            if (length == 0)
            {
                _retainedBytes.Remove(topic);
            }
            else
            {
                _retainedBytes[topic] = length;
            }

            _retainedTotal = total;
            return true;
        }
    }

    /// <summary>Bytes of retained messages held now (as booked against Broker:MaxRetainedBytes).</summary>
    public long RetainedBytes
    {
        get { lock (_retainedLock) { return _retainedTotal; } }
    }

    private void OnConnectionOverLimit(EndPoint? remote)
    {
        _metrics.ConnectionsOverLimit.Add();
        string address = remote is IPEndPoint ip ? ip.Address.ToString() : remote?.ToString() ?? "?";
        if (_refusalLogs.ShouldLog("limit:" + address, out long suppressed))
        {
            MessagingLog.ConnectionOverLimit(_logger, address, _options.MaxConnections, suppressed);
        }
    }

    private void OnOversizePacket(EndPoint? remote, long bytes)
    {
        _metrics.OversizeDropped.Add();
        string address = remote is IPEndPoint ip ? ip.Address.ToString() : remote?.ToString() ?? "?";
        if (_refusalLogs.ShouldLog("size:" + address, out long suppressed))
        {
            MessagingLog.OversizePacketClosed(_logger, address, bytes, suppressed);
        }
    }

    private Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var identity = _policy!.Authenticate(args.ClientId, args.UserName, args.RawPassword ?? [], args.ClientCertificate);
        if (identity is null)
        {
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            _metrics.ConnectionsRefused.Add();
            string remote = args.RemoteEndPoint is IPEndPoint ip ? ip.Address.ToString() : args.RemoteEndPoint?.ToString() ?? "?";
            if (_refusalLogs.ShouldLog("connect:" + remote, out long suppressed))
            {
                MessagingLog.ConnectionRefusedByBroker(_logger, args.ClientId, args.UserName ?? "", remote, suppressed);
            }

            return Task.CompletedTask;
        }

        args.SessionItems[IdentityKey] = identity;
        return Task.CompletedTask;
    }

    private Task OnInterceptingSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        if (args.SessionItems[IdentityKey] is BrokerIdentity who && _policy!.MaySubscribe(who, args.TopicFilter.Topic))
        {
            return Task.CompletedTask;
        }

        args.ProcessSubscription = false;
        args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        _metrics.SubscriptionsRefused.Add();
        if (_refusalLogs.ShouldLog("sub:" + args.ClientId, out long suppressed))
        {
            MessagingLog.SubscriptionRefusedByBroker(_logger, args.ClientId, args.UserName ?? "", args.TopicFilter.Topic, suppressed);
        }

        return Task.CompletedTask;
    }

    private bool MayPublish(InterceptingPublishEventArgs args)
    {
        if (_policy is null || ReferenceEquals(args.SessionItems, _localPublisher))
        {
            return true;
        }

        // Messages the server itself injects carry no session; every client publish (the will too) has one.
        return args.SessionItems?[IdentityKey] is BrokerIdentity who && _policy.MayPublish(who, args.ApplicationMessage.Topic);
    }

    private Task OnInterceptingPublishAsync(InterceptingPublishEventArgs args)
    {
        if (!MayPublish(args))
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            args.Response.ReasonString = "not authorized for this topic";
            _metrics.PublishesRefused.Add();
            if (_refusalLogs.ShouldLog("pub:" + args.ClientId, out long suppressed))
            {
                MessagingLog.PublishRefusedByBroker(_logger, args.ClientId, args.UserName ?? "", args.ApplicationMessage.Topic, suppressed);
            }

            return Task.CompletedTask;
        }

        long length = args.ApplicationMessage.Payload.Length;
        if (length > _options.MaxMessageBytes)
        {
            args.ProcessPublish = false;

            // Tell a QoS 1 publisher (MQTT 5) that it was refused, rather than acknowledging a drop.
            args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            args.Response.ReasonString = $"payload over {_options.MaxMessageBytes} bytes";
            _metrics.OversizeDropped.Add();
            LogOversize(args.ClientId, args.ApplicationMessage.Topic, length, _options.MaxMessageBytes);
            return Task.CompletedTask;
        }

        foreach (var local in _localConsumers)
        {
            if (MqttTopicFilterComparer.Compare(args.ApplicationMessage.Topic, local.Filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                if (length > local.MaxBytes)
                {
                    Refuse(args, MqttPubAckReasonCode.QuotaExceeded, $"payload over {local.MaxBytes} bytes for this topic");
                    _metrics.OversizeDropped.Add();
                    LogOversize(args.ClientId, args.ApplicationMessage.Topic, length, local.MaxBytes);
                    return Task.CompletedTask;
                }

                try
                {
                    var verdict = local.Consumer(new InboundMessage(args.ApplicationMessage.Topic, args.ApplicationMessage.Payload, args.ApplicationMessage.Retain));
                    if (verdict.Answer != ConsumerAnswer.Taken || verdict.Reason.Length > 0)
                    {
                        args.Response.ReasonCode = verdict.ReasonCode;
                        args.Response.ReasonString = verdict.Reason.Length > MaxReasonChars ? verdict.Reason[..MaxReasonChars] : verdict.Reason;
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A consumer's bug must not take the client's connection down; the message is acknowledged.
                    MessagingLog.HandlerFailed(_logger, args.ClientId, args.ApplicationMessage.Topic, ex);
                }

                if (!local.Forward)
                {
                    // Consumed here only: never delivered on, never retained (a retained update would pin memory).
                    args.ProcessPublish = false;
                }
            }
        }

        if (args.ProcessPublish && args.ApplicationMessage.Retain && !TryKeepRetained(args.ApplicationMessage.Topic, length))
        {
            Refuse(args, MqttPubAckReasonCode.QuotaExceeded, $"retained messages would exceed {_options.MaxRetainedBytes} bytes");
            _metrics.RetainedRefused.Add();
            if (_refusalLogs.ShouldLog("retained:" + args.ClientId, out long suppressed))
            {
                MessagingLog.RetainedRefused(_logger, args.ClientId, args.ApplicationMessage.Topic, length, _options.MaxRetainedBytes, suppressed);
            }
        }

        return Task.CompletedTask;
    }

    private sealed record LocalConsumer(string Filter, Func<InboundMessage, ConsumerVerdict> Consumer, bool Forward, long MaxBytes);
}
