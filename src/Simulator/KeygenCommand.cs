using EdgeFL.Core.Signing;

namespace EdgeFL.Simulator;

/// <summary>
/// <c>keygen</c>: writes a model-signing key pair (ECDSA P-256) as NAME.key (PEM PKCS#8, mode 0600)
/// and NAME.pub (PEM SubjectPublicKeyInfo), for the services' <c>Signing</c> keys.
/// </summary>
public static class KeygenCommand
{
    /// <summary>The text printed for <c>keygen --help</c>.</summary>
    public const string Usage = """
        Usage: dotnet run --project src/Simulator -c Release -- keygen --out DIR --name NAME

        Writes a model-signing key pair (ECDSA P-256; docs/PROTOCOL.md section 12):
          DIR/NAME.key  the private key (PEM PKCS#8, mode 0600), for Cloud:Signing:PrivateKeyPath or
                        Gateway:Signing:PrivateKeyPath
          DIR/NAME.pub  the public key (PEM SubjectPublicKeyInfo), for Gateway:Signing:CloudPublicKeyPath
                        or Device:Signing:GatewayPublicKeyPath
        An existing key is never overwritten.
        """;

    /// <summary>Runs the command; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        string? dir = null, name = null;
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            switch (flag)
            {
                case "--out": dir = value; break;
                case "--name": name = value; break;
                default: throw new ArgumentException($"unknown flag '{flag}' for keygen");
            }
        }

        if (string.IsNullOrEmpty(dir) || string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("keygen needs --out DIR and --name NAME");
        }

        if (name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
        {
            throw new ArgumentException($"--name '{name}' must be a plain file name (the key goes in --out)");
        }

        string keyPath = Path.Combine(dir, name + SigningKeyFiles.PrivateKeyExtension);
        if (File.Exists(keyPath))
        {
            throw new ArgumentException($"{keyPath} exists; keygen never overwrites a key (move it away first)");
        }

        using var key = SigningKeyFiles.Generate(keyPath);
        output.WriteLine($"wrote {keyPath} (private key, mode 0600) and {SigningKeyFiles.PublicKeyPathFor(keyPath)} (public key); key id {SigningKeyFiles.KeyId(key)}");
        return 0;
    }
}
