using System.Security.Cryptography.X509Certificates;

namespace EdgeFL.Messaging.Security;

/// <summary>
/// The access policy of an EdgeFL broker: the host service (its in-memory credential) may do
/// anything; a provisioned client (user name = its id, password = its secret from the credential
/// file) only what <see cref="IClientTopicRules"/> allow; anyone else is refused, unless anonymous
/// access was switched on, in which case anonymous clients may do anything (a lab setting).
/// </summary>
public sealed class ClientAccessPolicy(ServiceCredential service, CredentialFile? clients, IClientTopicRules rules, bool allowAnonymous = false)
    : IBrokerAccessPolicy
{
    private readonly BrokerIdentity _service = new(ServiceCredential.Username, BrokerRole.Service);

    /// <inheritdoc />
    public BrokerIdentity? Authenticate(string clientId, string? username, ReadOnlySpan<byte> password, X509Certificate2? clientCertificate)
    {
        if (service.Matches(username, password))
        {
            return _service;
        }

        // Nobody else may take over the service's own sessions.
        if (service.ClientIds.Contains(clientId))
        {
            return null;
        }

        if (string.IsNullOrEmpty(username))
        {
            return allowAnonymous && password.IsEmpty ? BrokerIdentity.Anonymous : null;
        }

        if (clients is null || username.StartsWith('$') || !rules.MayUseClientId(username, clientId) || !clients.Verify(username, password))
        {
            return null;
        }

        return new BrokerIdentity(username, BrokerRole.Client);
    }

    /// <inheritdoc />
    public bool MayPublish(BrokerIdentity who, string topic) => who.Role switch
    {
        BrokerRole.Service or BrokerRole.Anonymous => true,
        _ => rules.MayPublish(who.Name, topic),
    };

    /// <inheritdoc />
    public bool MaySubscribe(BrokerIdentity who, string filter) => who.Role switch
    {
        BrokerRole.Service or BrokerRole.Anonymous => true,
        _ => rules.MaySubscribe(who.Name, filter),
    };
}
