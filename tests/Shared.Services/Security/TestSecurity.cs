using System.Globalization;
using EdgeFL.Messaging.Security;

namespace EdgeFL.Tests.Shared;

/// <summary>
/// A temporary folder with what an operator provisions: a private CA and a broker certificate for
/// 127.0.0.1, and a credential file; deleted on dispose.
/// </summary>
public sealed class TestSecurity : IDisposable
{
    private readonly Lazy<PrivatePki> _pki;

    public TestSecurity()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("edgefl-sec-").FullName;
        _pki = new Lazy<PrivatePki>(() => PrivatePki.Create(Path.Combine(Directory, "pki"), ["127.0.0.1", "localhost"], TimeSpan.FromDays(1)));
    }

    public string Directory { get; }

    public PrivatePki Pki => _pki.Value;

    public string CredentialsPath => Path.Combine(Directory, "credentials.json");

    /// <summary>Provisions <paramref name="id"/> and returns its password.</summary>
    public string Provision(string id) => new CredentialFile(CredentialsPath).Provision(id);

    /// <summary>Client TLS trusting the test CA.</summary>
    public MqttTlsOptions ClientTls() => new() { Enabled = true, CaCertificatePath = Pki.CaCertificatePath };

    /// <summary>A TLS listener with the test certificate on 127.0.0.1:<paramref name="port"/>.</summary>
    public BrokerTlsOptions ListenerTls(int port) => new()
    {
        Enabled = true,
        BindAddress = "127.0.0.1",
        Port = port,
        CertificatePath = Pki.ServerCertificatePath,
        KeyPath = Pki.ServerKeyPath,
    };

    /// <summary>The same listener as configuration entries under <paramref name="section"/>.</summary>
    public void AddListenerTls(IDictionary<string, string?> settings, string section, int port)
    {
        settings[$"{section}:Enabled"] = "true";
        settings[$"{section}:BindAddress"] = "127.0.0.1";
        settings[$"{section}:Port"] = port.ToString(CultureInfo.InvariantCulture);
        settings[$"{section}:CertificatePath"] = Pki.ServerCertificatePath;
        settings[$"{section}:KeyPath"] = Pki.ServerKeyPath;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
