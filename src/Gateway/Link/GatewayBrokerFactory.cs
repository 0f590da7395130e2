using System.Diagnostics.Metrics;
using EdgeFL.Core.Topics;
using EdgeFL.Gateway.Security;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Link;

/// <summary>
/// Makes the gateway's MQTT parts from its options: the embedded broker for its devices (with its access
/// policy) when <c>Gateway:Broker:Embedded</c>, and the gateway's own client, for the embedded broker over
/// loopback with the service credential, or for the external broker with the configured one.
/// </summary>
internal sealed class GatewayBrokerFactory(IOptions<GatewayOptions> options, ILoggerFactory loggers, TimeProvider time, IMeterFactory meters)
{
    private readonly GatewayOptions _options = options.Value;
    private readonly ServiceCredential _service = new(ClientIdFor(options.Value));

    /// <summary>The client id of the gateway's own connection.</summary>
    public static string ClientIdFor(GatewayOptions options) =>
        string.IsNullOrEmpty(options.Broker.ClientId) ? $"{options.GatewayId}-coordinator" : options.Broker.ClientId;

    /// <summary>The embedded broker, or null when the gateway joins an external one. Loads the device credentials (throws when they cannot be read).</summary>
    public EmbeddedBroker? CreateBroker()
    {
        if (!_options.Broker.Embedded)
        {
            return null;
        }

        return new EmbeddedBroker(
            new EmbeddedBrokerOptions
            {
                BindAddress = _options.Broker.BindAddress,
                Port = _options.Broker.Port,
                MaxMessageBytes = _options.Updates.MaxBytes,
                ReceiveBudgetBytes = _options.Broker.ReceiveBudgetBytes ?? EmbeddedBrokerOptions.DefaultReceiveBudgetBytes,
                ReceiveBudgetStallTimeout = _options.Broker.ReceiveBudgetStallTimeout,
                ConnectTimeout = _options.Broker.ConnectTimeout,
                MaxConnections = _options.Broker.MaxConnections,
                MaxRetainedBytes = Math.Max(_options.Broker.MaxRetainedBytes, _options.Updates.MaxBytes + (16L * 1024 * 1024)),
                Tls = _options.Broker.Tls,
            },
            loggers.CreateLogger<EmbeddedBroker>(),
            CreateAccessPolicy(),
            time,
            meters);
    }

    /// <summary>The gateway's own client connection (not started).</summary>
    public MqttConnection CreateConnection()
    {
        bool embedded = _options.Broker.Embedded;
        return new MqttConnection(
            new MqttConnectionOptions
            {
                Host = embedded ? EmbeddedBrokerOptions.LoopbackFor(_options.Broker.BindAddress) : _options.Broker.Host,
                Port = _options.Broker.Port,
                ClientId = ClientIdFor(_options),
                Username = embedded ? ServiceCredential.Username : _options.Broker.Username,
                Password = embedded
                    ? _service.Password
                    : SecretFile.Resolve(_options.Broker.Password, _options.Broker.PasswordFile, GatewayOptions.Section + ":Broker:PasswordFile"),
                Tls = embedded ? new MqttTlsOptions() : _options.Broker.ClientTls,
                SocketBufferBytes = _options.Broker.SocketBufferBytes,
                ReceiveMaximum = (ushort)_options.Broker.ReceiveMaximum,
                // With an external broker the updates come through this connection: the same budget as the embedded broker's.
                ReceiveBudgetBytes = embedded ? 0 : _options.Broker.ReceiveBudgetBytes ?? EmbeddedBrokerOptions.DefaultReceiveBudgetBytes,
                ReceiveBudgetStallTimeout = _options.Broker.ReceiveBudgetStallTimeout,
            },
            loggers.CreateLogger<MqttConnection>());
    }

    private ClientAccessPolicy CreateAccessPolicy()
    {
        CredentialFile? devices = null;
        if (!_options.Broker.AllowAnonymous)
        {
            devices = new CredentialFile(_options.Broker.CredentialsPath, time);
            devices.LoadOrThrow();
            GatewayLog.DeviceCredentials(loggers.CreateLogger<GatewayBrokerFactory>(), devices.Path, devices.Ids.Count);
        }

        var topics = new TopicScheme(_options.TopicPrefix);
        return new ClientAccessPolicy(_service, devices, new DeviceTopicRules(topics, _options.GatewayId), _options.Broker.AllowAnonymous);
    }
}
