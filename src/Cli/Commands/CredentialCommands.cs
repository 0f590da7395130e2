using System.CommandLine;
using EdgeFL.Messaging.Security;

namespace EdgeFL.Cli.Commands;

/// <summary>
/// <c>provision-{noun} ID</c> (prints the new secret once), <c>revoke-{noun} ID</c> and <c>list-{noun}s</c>
/// over a broker's credential file (<see cref="CredentialFile"/>), each with <c>--credentials PATH</c>.
/// </summary>
internal static class CredentialCommands
{
    public static IEnumerable<Command> Create(CredentialRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        yield return Provision(role);
        yield return Revoke(role);
        yield return List(role);
    }

    private static Command Provision(CredentialRole role)
    {
        var (id, credentials) = (IdArgument(role), CredentialsOption(role));
        var command = new Command($"provision-{role.Noun}", $"Provisions a {role.Noun} with a fresh random password and prints it once (provisioning again replaces it). The file keeps only a salted hash.") { id, credentials };
        command.SetAction(parse =>
        {
            var file = Open(parse, credentials, role);
            string clientId = parse.GetRequiredValue(id);
            string secret = file.Provision(clientId);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{role.Noun}: {clientId}");
            output.WriteLine($"username: {clientId}");
            output.WriteLine($"password: {secret}");
            output.WriteLine($"credentials file: {file.Path}");
            output.WriteLine($"Set {role.UsernameKey} and {role.PasswordKey} (or {role.PasswordKey}File) on the {role.Noun}. The password is shown only now; provisioning again replaces it.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke(CredentialRole role)
    {
        var (id, credentials) = (IdArgument(role), CredentialsOption(role));
        var command = new Command($"revoke-{role.Noun}", $"Removes a {role.Noun}: a running broker refuses it from its next connect (an open connection is not cut).") { id, credentials };
        command.SetAction(parse =>
        {
            var file = Open(parse, credentials, role);
            string clientId = parse.GetRequiredValue(id);
            if (!file.Revoke(clientId))
            {
                parse.InvocationConfiguration.Error.WriteLine($"edgefl revoke-{role.Noun}: {role.Noun} '{clientId}' is not provisioned in {file.Path}");
                return ExitCodes.Failure;
            }

            parse.InvocationConfiguration.Output.WriteLine($"revoked {role.Noun} '{clientId}' in {file.Path}: its connections are refused from its next connect");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CredentialRole role)
    {
        var credentials = CredentialsOption(role);
        var command = new Command($"list-{role.Noun}s", $"Prints the provisioned {role.Noun}s' ids, one a line (a count and the file's path go to stderr).") { credentials };
        command.SetAction(parse =>
        {
            var file = Open(parse, credentials, role);
            var ids = file.Ids.Order(StringComparer.Ordinal).ToArray();
            foreach (string id in ids)
            {
                parse.InvocationConfiguration.Output.WriteLine(id);
            }

            parse.InvocationConfiguration.Error.WriteLine($"{ids.Length} {role.Noun}(s) in {file.Path}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<string> IdArgument(CredentialRole role)
    {
        var id = new Argument<string>("ID") { Description = $"The {role.Noun}'s id (its MQTT user name and client id)." };
        id.Validators.Add(result =>
        {
            if (CredentialFile.IdError(result.GetValueOrDefault<string>() ?? "") is { } error)
            {
                result.AddError(error);
            }
        });
        return id;
    }

    private static Option<string> CredentialsOption(CredentialRole role) => new("--credentials")
    {
        Description = $"The credential file. Default: the {role.Component}'s {role.PathKey} (from {role.Component}.json in the configuration directory, or the environment), else {role.Component}-credentials.json in the configuration directory ($EDGEFL_CONFIG_DIR, else /etc/edgefl).",
        HelpName = "PATH",
    };

    /// <summary>The credential file named by <c>--credentials</c>, else the one the service reads; a damaged file is refused here, before anything is written.</summary>
    private static CredentialFile Open(ParseResult parse, Option<string> credentials, CredentialRole role)
    {
        var file = new CredentialFile(parse.GetValue(credentials) is { Length: > 0 } path ? path : role.ConfiguredPath());
        file.LoadOrThrow();
        return file;
    }
}
