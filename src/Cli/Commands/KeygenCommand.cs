using System.CommandLine;
using EdgeFL.Core.Signing;

namespace EdgeFL.Cli.Commands;

/// <summary>
/// <c>keygen</c>: writes a model-signing key pair (ECDSA P-256) as NAME.key (PEM PKCS#8, mode 0600)
/// and NAME.pub (PEM SubjectPublicKeyInfo), for the services' <c>Signing</c> keys.
/// </summary>
internal static class KeygenCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The folder the key pair is written to (created if needed).", Required = true, HelpName = "DIR" };
        var name = new Option<string>("--name") { Description = "The key's file name without extension: DIR/NAME.key and DIR/NAME.pub.", Required = true, HelpName = "NAME" };
        name.Validators.Add(result =>
        {
            string value = result.GetValueOrDefault<string>() ?? "";
            if (value.Length == 0 || value.IndexOfAny(['/', '\\']) >= 0 || value is "." or "..")
            {
                result.AddError($"--name '{value}' must be a plain file name (the key goes in --out)");
            }
        });

        var command = new Command(
            "keygen",
            "Writes a model-signing key pair (ECDSA P-256): DIR/NAME.key (mode 0600) for *:Signing:PrivateKeyPath, and DIR/NAME.pub for Gateway:Signing:CloudPublicKeyPath or Device:Signing:GatewayPublicKeyPath. Never overwrites a key.")
        {
            output,
            name,
        };
        command.SetAction(parse => Run(parse.GetRequiredValue(output), parse.GetRequiredValue(name), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string directory, string name, TextWriter output, TextWriter error)
    {
        string keyPath = Path.Combine(directory, name + SigningKeyFiles.PrivateKeyExtension);
        if (File.Exists(keyPath))
        {
            error.WriteLine($"edgefl keygen: {keyPath} exists; keygen never overwrites a key (move it away first)");
            return ExitCodes.Failure;
        }

        using var key = SigningKeyFiles.Generate(keyPath);
        output.WriteLine($"wrote {keyPath} (private key, mode 0600) and {SigningKeyFiles.PublicKeyPathFor(keyPath)} (public key); key id {SigningKeyFiles.KeyId(key)}");
        return ExitCodes.Success;
    }
}
