using System.CommandLine;

namespace EdgeFL.Cli.Commands;

/// <summary>
/// <c>init-model</c>: not run here. Initialising a model needs a trainer (TorchSharp today), which this
/// tool does not carry; it says where the command is until the managed trainer exists.
/// </summary>
internal static class InitModelCommand
{
    public const string Message =
        "edgefl init-model: initialising a model needs a trainer (TorchSharp), which edgefl does not carry yet. " +
        "Use: dotnet run --project src/Simulator -c Release -- init-model --model mlp --out FILE (same options).";

    public static Command Create()
    {
        var command = new Command("init-model", "Writes a freshly initialised model file. Not in edgefl yet: use dotnet run --project src/Simulator -- init-model.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Error.WriteLine(Message);
            return ExitCodes.Usage;
        });
        return command;
    }
}
