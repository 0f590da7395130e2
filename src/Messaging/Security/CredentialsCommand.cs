namespace EdgeFL.Messaging.Security;

/// <summary>
/// The operator's commands for a broker's credential file: <c>provision-{noun} ID</c> (prints the
/// new secret once), <c>revoke-{noun} ID</c>, <c>list-{noun}s</c>, each with an optional
/// <c>--credentials PATH</c> (default: the service's configured credentials path).
/// </summary>
public sealed class CredentialsCommand(string noun, string usernameKey, string passwordKey)
{
    /// <summary>
    /// Runs the command when <paramref name="args"/> starts with one of its verbs, with the credential
    /// file the service would read (<paramref name="configuredPath"/> of the arguments after the verb,
    /// else <paramref name="defaultPath"/>); false when it is not this command.
    /// </summary>
    public bool TryRun(string[] args, Func<string[], string?> configuredPath, Func<string> defaultPath, out int exitCode)
    {
        ArgumentNullException.ThrowIfNull(defaultPath);
        exitCode = 0;
        if (!Matches(args))
        {
            return false;
        }

        ArgumentNullException.ThrowIfNull(configuredPath);
        string path = configuredPath(args[1..]) is { Length: > 0 } configured ? configured : defaultPath();
        exitCode = Run(args, path, Console.Out, Console.Error);
        return true;
    }

    /// <summary>True when <paramref name="args"/> starts with one of this command's verbs.</summary>
    public bool Matches(string[] args) =>
        args.Length > 0 && (args[0] == $"provision-{noun}" || args[0] == $"revoke-{noun}" || args[0] == $"list-{noun}s");

    /// <summary>Runs the command; returns the process exit code (0 done, 1 failed, 2 usage).</summary>
    public int Run(string[] args, string defaultPath, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? path = null;
        var positional = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--credentials" && i + 1 < args.Length)
            {
                path = args[++i];
            }
            else if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(args[i]);
            }
            else if (!args[i].Contains('=', StringComparison.Ordinal))
            {
                i++; // a configuration override (--Key value), read by the caller's configuration
            }
        }

        var file = new CredentialFile(path ?? defaultPath);
        try
        {
            switch (args[0])
            {
                case var verb when verb == $"list-{noun}s":
                    foreach (string id in file.Ids.Order(StringComparer.Ordinal))
                    {
                        output.WriteLine(id);
                    }

                    return 0;
                case var _ when positional.Count != 1:
                    error.WriteLine($"usage: {args[0]} <{noun}-id> [--credentials PATH]");
                    return 2;
                case var verb when verb == $"revoke-{noun}":
                    if (!file.Revoke(positional[0]))
                    {
                        error.WriteLine($"{noun} '{positional[0]}' is not provisioned in {file.Path}");
                        return 1;
                    }

                    output.WriteLine($"revoked {noun} '{positional[0]}' in {file.Path}: its connections are refused from its next connect");
                    return 0;
                default:
                    string secret = file.Provision(positional[0]);
                    output.WriteLine($"{noun}: {positional[0]}");
                    output.WriteLine($"username: {positional[0]}");
                    output.WriteLine($"password: {secret}");
                    output.WriteLine($"credentials file: {file.Path}");
                    output.WriteLine($"Set {usernameKey} and {passwordKey} (or {passwordKey}File) on the {noun}. The password is shown only now; provisioning again replaces it.");
                    return 0;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }
}
