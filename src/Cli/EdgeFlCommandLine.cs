using System.CommandLine;
using System.Security.Cryptography;
using EdgeFL.Cli.Commands;

namespace EdgeFL.Cli;

/// <summary>
/// The <c>edgefl</c> command tree and how it runs: bad arguments print the error and the command's usage
/// (exit 2); a command that fails prints one line naming what failed (exit 1), never a stack trace.
/// </summary>
internal static class EdgeFlCommandLine
{
    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("edgefl: the EdgeFL operator's tool. Signing keys, broker certificates, device and gateway credentials, and a readable view of model files and state databases.");
        root.Add(KeygenCommand.Create());
        root.Add(MakeCertsCommand.Create());
        foreach (var command in CredentialCommands.Create(CredentialRole.Device).Concat(CredentialCommands.Create(CredentialRole.Gateway)))
        {
            root.Add(command);
        }

        root.Add(InitModelCommand.Create());
        root.Add(InspectCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // The parser's own error action: the errors, typo suggestions, and the command's usage, all on stderr.
            await parse.InvokeAsync(new InvocationConfiguration { Output = error, Error = error }, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("edgefl: interrupted").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or CryptographicException or ArgumentException)
        {
            await error.WriteLineAsync($"edgefl {parse.CommandResult.Command.Name}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
