namespace EdgeFL.Messaging.Security;

/// <summary>How a client secures its broker connection (section <c>...:Tls</c>).</summary>
public sealed class MqttTlsOptions
{
    /// <summary>Connect over TLS.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A PEM file of the certificate authority (or the self-signed server certificate) to trust for
    /// this broker, instead of the system's trust store.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>The name the server certificate must carry; defaults to the broker host.</summary>
    public string? TargetHost { get; set; }

    /// <summary>A client certificate (PEM, or PKCS#12 .pfx/.p12) to present, for brokers that ask for one.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>Throws with a message naming the offending key.</summary>
    public void Validate(string section)
    {
        if (!Enabled)
        {
            return;
        }

        if (!string.IsNullOrEmpty(CaCertificatePath) && !File.Exists(CaCertificatePath))
        {
            throw new InvalidOperationException($"{section}:CaCertificatePath: no file at '{CaCertificatePath}'");
        }

        if (!string.IsNullOrEmpty(ClientCertificatePath))
        {
            if (!File.Exists(ClientCertificatePath))
            {
                throw new InvalidOperationException($"{section}:ClientCertificatePath: no file at '{ClientCertificatePath}'");
            }

            if (!TlsCertificates.IsPkcs12(ClientCertificatePath) && (string.IsNullOrEmpty(ClientKeyPath) || !File.Exists(ClientKeyPath)))
            {
                throw new InvalidOperationException($"{section}:ClientKeyPath must name the PEM private key of {section}:ClientCertificatePath");
            }
        }
    }
}
