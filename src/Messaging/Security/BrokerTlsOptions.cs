using System.Net;

namespace EdgeFL.Messaging.Security;

/// <summary>The embedded broker's TLS listener (section <c>...:Broker:Tls</c>).</summary>
public sealed class BrokerTlsOptions
{
    /// <summary>Open a TLS listener besides the plain one.</summary>
    public bool Enabled { get; set; }

    /// <summary>Address the TLS listener binds to; every interface by default (devices reach it over the network).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>TCP port of the TLS listener.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>The server certificate: a PEM file (certificate, then any intermediates) or a PKCS#12 (.pfx/.p12) file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of the certificate (ignored for PKCS#12, which carries its key).</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of a PKCS#12 file or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Throws with a message naming the offending key.</summary>
    public void Validate(string section)
    {
        if (!Enabled)
        {
            return;
        }

        if (!IPAddress.TryParse(BindAddress, out _))
        {
            throw new InvalidOperationException($"{section}:BindAddress must be an IP address (was '{BindAddress}')");
        }

        if (Port is <= 0 or > 65535)
        {
            throw new InvalidOperationException($"{section}:Port must be 1-65535 (was {Port})");
        }

        if (string.IsNullOrWhiteSpace(CertificatePath))
        {
            throw new InvalidOperationException($"{section}:CertificatePath must be set when {section}:Enabled is true");
        }

        if (!File.Exists(CertificatePath))
        {
            throw new InvalidOperationException($"{section}:CertificatePath: no file at '{CertificatePath}'");
        }

        if (!TlsCertificates.IsPkcs12(CertificatePath) && (string.IsNullOrWhiteSpace(KeyPath) || !File.Exists(KeyPath)))
        {
            throw new InvalidOperationException($"{section}:KeyPath must name the PEM private key of {section}:CertificatePath (was '{KeyPath}')");
        }
    }
}
