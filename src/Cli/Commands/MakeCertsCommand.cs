using System.CommandLine;
using EdgeFL.Messaging.Security;

namespace EdgeFL.Cli.Commands;

/// <summary>
/// <c>make-certs</c>: a private certificate authority and a broker certificate it signs, for a fleet
/// without a PKI of its own (the gateway's TLS listener, the cloud broker's).
/// </summary>
internal static class MakeCertsCommand
{
    private const int DefaultDays = 825;

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The folder the certificates and keys are written to.", Required = true, HelpName = "DIR" };
        var hosts = new Option<string[]>("--host")
        {
            Description = "A host name or IP address the broker is reached at (repeat for several).",
            Required = true,
            HelpName = "NAME_OR_IP",
            Arity = ArgumentArity.OneOrMore,
        };
        var days = BoundedInt.Create("--days", 1, 3650, DefaultDays, "How long the server certificate is valid, in days.");

        var command = new Command(
            "make-certs",
            "Writes a private CA (DIR/ca.pem; DIR/ca.key, keep it offline) and a broker certificate for every --host (DIR/server.pem, DIR/server.key) for Gateway:Broker:Tls:* or Cloud:Tls:*; clients trust ca.pem (*:Tls:CaCertificatePath). Keys are mode 0600.")
        {
            output,
            hosts,
            days,
        };
        command.SetAction(parse => Run(parse.GetRequiredValue(output), parse.GetRequiredValue(hosts), parse.GetValue(days), parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string directory, string[] hosts, int days, TextWriter output)
    {
        var pki = PrivatePki.Create(directory, hosts, TimeSpan.FromDays(days));
        output.WriteLine($"CA certificate:     {pki.CaCertificatePath} (give to every client)");
        output.WriteLine($"CA key:             {pki.CaKeyPath} (keep offline)");
        output.WriteLine($"server certificate: {pki.ServerCertificatePath} (for {string.Join(", ", hosts)}, {days} days)");
        output.WriteLine($"server key:         {pki.ServerKeyPath}");
        return ExitCodes.Success;
    }
}
