using System.Security.Cryptography;

namespace EdgeFL.Messaging.Security;

/// <summary>
/// The credential of the broker's own host process (the gateway's coordinator connection, the cloud
/// aggregator's): a random password made at start, held only in memory, never written anywhere.
/// </summary>
public sealed class ServiceCredential
{
    /// <summary>The reserved user name; provisioned ids cannot start with '$', so no client can claim it.</summary>
    public const string Username = "$edgefl-service";

    private readonly byte[] _password;

    /// <summary>Makes a fresh random credential for the service clients with the given client ids.</summary>
    public ServiceCredential(params string[] clientIds)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        _password = RandomNumberGenerator.GetBytes(32);
        Password = Convert.ToBase64String(_password);
        ClientIds = new HashSet<string>(clientIds, StringComparer.Ordinal);
    }

    /// <summary>The password the service's own clients connect with.</summary>
    public string Password { get; }

    /// <summary>Client ids only the service may use (so no client can take over the service's session).</summary>
    public IReadOnlySet<string> ClientIds { get; }

    /// <summary>True when the user name and password are this service's.</summary>
    public bool Matches(string? username, ReadOnlySpan<byte> password)
    {
        if (!string.Equals(username, Username, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[64];
        bool ok = System.Text.Encoding.ASCII.TryGetBytes(Password, expected, out int written);
        return ok && CryptographicOperations.FixedTimeEquals(expected[..written], password);
    }
}
