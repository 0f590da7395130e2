using System.CommandLine;
using EdgeFL.Cli.Inspect;

namespace EdgeFL.Cli.Commands;

/// <summary><c>inspect PATH</c>: what a model file or a state database holds, readably (or as JSON).</summary>
internal static class InspectCommand
{
    private const int DefaultRows = 20;

    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "A model file (init-model's output, a *:InitialModelPath) or a state database (gateway.db, cloud.db, device.db)." };
        var json = new Option<bool>("--json") { Description = "Print JSON, for scripts." };
        var rows = BoundedInt.Create("--rows", 0, int.MaxValue, DefaultRows, "Rows shown per database table.");
        var publicKey = new Option<string>("--public-key") { Description = "Check signatures against the public key(s) in this file (a .pub from keygen, or the services' state folders).", HelpName = "FILE" };
        var command = new Command(
            "inspect",
            "Tells what a file holds: a model file (header, tensors, L2 norms, signature), or a state database, read-only (every table, its row count and first rows, stored messages decoded).")
        {
            path,
            json,
            rows,
            publicKey,
        };
        command.SetAction(parse => FileInspector.Run(
            parse.GetRequiredValue(path),
            new InspectOptions(parse.GetValue(json), parse.GetValue(rows), parse.GetValue(publicKey)),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }
}
