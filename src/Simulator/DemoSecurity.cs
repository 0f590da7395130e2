using EdgeFL.Messaging.Security;

namespace EdgeFL.Simulator;

/// <summary>
/// What an operator would set up before deploying, made on the fly for the demo in a temporary
/// folder: a private certificate authority and a server certificate for 127.0.0.1 signed by it (the
/// brokers' TLS listeners), and credential files in which every device and gateway is provisioned.
/// The folder is deleted when the demo ends.
/// </summary>
internal sealed class DemoSecurity : IDisposable
{
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);

    private DemoSecurity(string directory)
    {
        Directory = directory;
    }

    /// <summary>The temporary folder.</summary>
    public string Directory { get; }

    /// <summary>The CA and the brokers' certificate for 127.0.0.1.</summary>
    public PrivatePki Pki { get; private set; } = null!;

    /// <summary>The cloud broker's credential file (one entry per gateway).</summary>
    public string CloudCredentialsPath => Path.Combine(Directory, "cloud-credentials.json");

    /// <summary>Makes the CA, the server certificate and an empty set of credentials.</summary>
    public static DemoSecurity Create()
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgefl-demo-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var security = new DemoSecurity(dir);
        security.Pki = PrivatePki.Create(dir, ["127.0.0.1", "localhost"], TimeSpan.FromDays(1));
        return security;
    }

    /// <summary>The credential file of a gateway's broker (one entry per device).</summary>
    public string GatewayCredentialsPath(string gatewayId) => Path.Combine(Directory, $"{gatewayId}-credentials.json");

    /// <summary>Provisions device <paramref name="deviceId"/> at its gateway; returns its password.</summary>
    public string ProvisionDevice(string gatewayId, string deviceId) =>
        _passwords[$"{gatewayId}/{deviceId}"] = new CredentialFile(GatewayCredentialsPath(gatewayId)).Provision(deviceId);

    /// <summary>Provisions gateway <paramref name="gatewayId"/> at the cloud; returns its password.</summary>
    public string ProvisionGateway(string gatewayId) =>
        _passwords[$"cloud/{gatewayId}"] = new CredentialFile(CloudCredentialsPath).Provision(gatewayId);

    /// <summary>Configuration of a broker's TLS listener with the demo certificate, under <paramref name="section"/>.</summary>
    public void AddListenerTls(Dictionary<string, string?> settings, string section, int port)
    {
        settings[$"{section}:Enabled"] = "true";
        settings[$"{section}:BindAddress"] = "127.0.0.1";
        settings[$"{section}:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings[$"{section}:CertificatePath"] = Pki.ServerCertificatePath;
        settings[$"{section}:KeyPath"] = Pki.ServerKeyPath;
    }

    /// <summary>Configuration of a client's TLS trusting the demo CA, under <paramref name="section"/>.</summary>
    public void AddClientTls(Dictionary<string, string?> settings, string section)
    {
        settings[$"{section}:Enabled"] = "true";
        settings[$"{section}:CaCertificatePath"] = Pki.CaCertificatePath;
    }

    /// <summary>TLS client settings trusting the demo CA.</summary>
    public MqttTlsOptions ClientTls() => new() { Enabled = true, CaCertificatePath = Pki.CaCertificatePath };

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
