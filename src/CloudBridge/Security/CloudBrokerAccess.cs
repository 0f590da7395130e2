using EdgeFL.Core.Topics;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Security;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge.Security;

/// <summary>
/// Who may use the cloud broker: the aggregator's own connections (a credential made at start, in
/// memory only) and the provisioned gateways (Cloud:CredentialsPath), each only on its own topics.
/// </summary>
internal sealed class CloudBrokerAccess
{
    private readonly CloudAggregatorOptions _options;
    private readonly ServiceCredential _service;

    public CloudBrokerAccess(IOptions<CloudAggregatorOptions> options)
    {
        _options = options.Value;
        _service = new ServiceCredential(_options.ClientId, HealthClientId);
    }

    public string HealthClientId => _options.ClientId + "-health";

    /// <summary>The embedded broker's policy; throws when the credential file exists but is broken.</summary>
    public ClientAccessPolicy CreatePolicy(out CredentialFile? gateways)
    {
        gateways = null;
        if (!_options.AllowAnonymous)
        {
            gateways = new CredentialFile(_options.CredentialsPath);
            gateways.LoadOrThrow();
        }

        return new ClientAccessPolicy(_service, gateways, new GatewayTopicRules(new TopicScheme(_options.TopicPrefix)), _options.AllowAnonymous);
    }

    /// <summary>Connection options of one of the aggregator's own clients.</summary>
    public MqttConnectionOptions Connection(string clientId) => new()
    {
        Host = _options.EmbeddedBroker ? EmbeddedBrokerOptions.LoopbackFor(_options.BindAddress) : _options.Host,
        Port = _options.Port,
        ClientId = clientId,
        Username = _options.EmbeddedBroker ? ServiceCredential.Username : _options.Username,
        Password = _options.EmbeddedBroker
            ? _service.Password
            : SecretFile.Resolve(_options.Password, _options.PasswordFile, CloudAggregatorOptions.Section + ":PasswordFile"),
        Tls = _options.EmbeddedBroker ? new MqttTlsOptions() : _options.ClientTls,
        SocketBufferBytes = _options.SocketBufferBytes,
        ReceiveMaximum = (ushort)_options.ReceiveMaximum,
        Endpoints = _options.EmbeddedBroker ? [] : BrokerEndpoint.ParseAll(_options.Endpoints, CloudAggregatorOptions.Section + ":Endpoints"),
        Protocol = _options.EmbeddedBroker ? MqttProtocol.V5 : MqttProtocolNames.Parse(_options.ProtocolVersion, CloudAggregatorOptions.Section + ":ProtocolVersion"),
    };
}
