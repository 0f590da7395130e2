using System.Globalization;
using EdgeFL.Messaging.Security;

namespace EdgeFL.Simulator;

/// <summary>
/// <c>make-certs</c>: a private certificate authority and a broker certificate it signs, for a fleet
/// without a PKI of its own (the gateway's TLS listener, the cloud broker's).
/// </summary>
public static class MakeCertsCommand
{
    /// <summary>The text printed for <c>make-certs --help</c>.</summary>
    public const string Usage = """
        Usage: dotnet run --project src/Simulator -c Release -- make-certs --out DIR --host NAME_OR_IP [--host ...] [--days N]

        Writes DIR/ca.pem and DIR/ca.key (the certificate authority; keep ca.key offline), and
        DIR/server.pem and DIR/server.key (the broker's certificate for every --host, valid N days,
        default 825). Point Gateway:Broker:Tls:CertificatePath / KeyPath (or Cloud:Tls:*) at the
        server files, and the clients' *:Tls:CaCertificatePath at ca.pem. Keys are written mode 0600.
        """;

    /// <summary>Runs the command; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        string? dir = null;
        var hosts = new List<string>();
        int days = 825;
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--out":
                    dir = Value();
                    break;
                case "--host":
                    hosts.Add(Value());
                    break;
                case "--days":
                    days = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int d) && d is > 0 and <= 3650
                        ? d
                        : throw new ArgumentException("--days must be 1-3650");
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        if (dir is null || hosts.Count == 0)
        {
            throw new ArgumentException("--out and at least one --host are required");
        }

        var pki = PrivatePki.Create(dir, hosts, TimeSpan.FromDays(days));
        output.WriteLine($"CA certificate:     {pki.CaCertificatePath} (give to every client)");
        output.WriteLine($"CA key:             {pki.CaKeyPath} (keep offline)");
        output.WriteLine($"server certificate: {pki.ServerCertificatePath} (for {string.Join(", ", hosts)}, {days} days)");
        output.WriteLine($"server key:         {pki.ServerKeyPath}");
        return 0;
    }
}
