using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeFL.Messaging.Security;

/// <summary>
/// A small private PKI for a fleet without one: a certificate authority (ECDSA P-256) and a broker
/// certificate it signs for the given host names and addresses. Used by the demo and the tests, and
/// by the operator's <c>edgefl make-certs</c> command.
/// </summary>
public sealed record PrivatePki(string CaCertificatePath, string CaKeyPath, string ServerCertificatePath, string ServerKeyPath)
{
    /// <summary>
    /// Writes ca.pem, ca.key, server.pem and server.key into <paramref name="directory"/> (keys mode
    /// 0600); the server certificate names every entry of <paramref name="hosts"/> (IP addresses and
    /// DNS names) and is valid for <paramref name="validity"/>.
    /// </summary>
    public static PrivatePki Create(string directory, IEnumerable<string> hosts, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(hosts);
        Directory.CreateDirectory(directory);
        var pki = new PrivatePki(
            Path.Combine(directory, "ca.pem"),
            Path.Combine(directory, "ca.key"),
            Path.Combine(directory, "server.pem"),
            Path.Combine(directory, "server.key"));

        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=EdgeFL private CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now + validity + TimeSpan.FromDays(1));

        var names = new SubjectAlternativeNameBuilder();
        string? first = null;
        foreach (string host in hosts)
        {
            first ??= host;
            if (IPAddress.TryParse(host, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(host);
            }
        }

        if (first is null)
        {
            throw new ArgumentException("at least one host name or address is needed", nameof(hosts));
        }

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={first}", serverKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddMinutes(-5), now + validity, RandomNumberGenerator.GetBytes(12));

        File.WriteAllText(pki.CaCertificatePath, ca.ExportCertificatePem());
        WriteSecret(pki.CaKeyPath, caKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pki.ServerCertificatePath, server.ExportCertificatePem());
        WriteSecret(pki.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return pki;
    }

    private static void WriteSecret(string path, string pem)
    {
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(path, pem);
    }
}
