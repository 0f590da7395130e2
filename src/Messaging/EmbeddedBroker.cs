using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace EdgeFL.Messaging;

/// <summary>An MQTTnet broker hosted in-process, listening on TCP, with EdgeFL's size limit enforced.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly MqttServer _server;
    private long _oversizeDropped;
    private int _connectedClients;

    /// <summary>Creates the broker; it listens once <see cref="StartAsync"/> returns.</summary>
    public EmbeddedBroker(EmbeddedBrokerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate("Broker");
        _options = options;
        _logger = logger;
        var address = IPAddress.Parse(options.BindAddress);
        var factory = new MqttServerFactory();
        var builder = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(options.Port)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .WithPersistentSessions();
        builder = address.AddressFamily == AddressFamily.InterNetworkV6
            ? builder.WithDefaultEndpointBoundIPAddress(IPAddress.None).WithDefaultEndpointBoundIPV6Address(address)
            : builder.WithDefaultEndpointBoundIPAddress(address).WithDefaultEndpointBoundIPV6Address(
                address.Equals(IPAddress.Any) ? IPAddress.IPv6Any : IPAddress.None);
        _server = factory.CreateMqttServer(builder.Build());
        _server.InterceptingPublishAsync += OnInterceptingPublishAsync;
        _server.ClientConnectedAsync += _ => { Interlocked.Increment(ref _connectedClients); return Task.CompletedTask; };
        _server.ClientDisconnectedAsync += _ => { Interlocked.Decrement(ref _connectedClients); return Task.CompletedTask; };
    }

    /// <summary>The port the broker listens on.</summary>
    public int Port => _options.Port;

    /// <summary>Publishes dropped because they exceeded <see cref="EmbeddedBrokerOptions.MaxMessageBytes"/>.</summary>
    public long OversizeDropped => Interlocked.Read(ref _oversizeDropped);

    /// <summary>True while the server is started (listening).</summary>
    public bool IsRunning => _server.IsStarted;

    /// <summary>Clients connected right now.</summary>
    public int ConnectedClients => Volatile.Read(ref _connectedClients);

    /// <summary>The MQTTnet server, for components (authentication, ACLs) that hook into it.</summary>
    internal MqttServer Server => _server;

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
    }

    private Task OnInterceptingPublishAsync(InterceptingPublishEventArgs args)
    {
        long length = args.ApplicationMessage.Payload.Length;
        if (length > _options.MaxMessageBytes)
        {
            args.ProcessPublish = false;

            // Tell a QoS 1 publisher (MQTT 5) that it was refused, rather than acknowledging a drop.
            args.Response.ReasonCode = MQTTnet.Protocol.MqttPubAckReasonCode.QuotaExceeded;
            args.Response.ReasonString = $"payload over {_options.MaxMessageBytes} bytes";
            Interlocked.Increment(ref _oversizeDropped);
            MessagingLog.OversizeDropped(_logger, args.ClientId, args.ApplicationMessage.Topic, length, _options.MaxMessageBytes);
        }

        return Task.CompletedTask;
    }
}
