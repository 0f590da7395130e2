using System.Security.Cryptography.X509Certificates;

namespace EdgeFL.Messaging.Security;

/// <summary>
/// Decides who may connect to an embedded broker and what each connection may publish and subscribe
/// to. The broker asks once per CONNECT, then once per PUBLISH (the last will included) and SUBSCRIBE.
/// </summary>
public interface IBrokerAccessPolicy
{
    /// <summary>The identity of a connecting client, or null to refuse it (bad user name or password).</summary>
    BrokerIdentity? Authenticate(string clientId, string? username, ReadOnlySpan<byte> password, X509Certificate2? clientCertificate);

    /// <summary>Whether <paramref name="who"/> may publish to <paramref name="topic"/>.</summary>
    bool MayPublish(BrokerIdentity who, string topic);

    /// <summary>Whether <paramref name="who"/> may subscribe to <paramref name="filter"/>.</summary>
    bool MaySubscribe(BrokerIdentity who, string filter);
}
