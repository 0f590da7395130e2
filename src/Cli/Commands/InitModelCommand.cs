using System.CommandLine;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;

namespace EdgeFL.Cli.Commands;

/// <summary>
/// <c>init-model</c>: writes a freshly initialised model (round 0) as a model file, the first model a cloud
/// aggregator or a stand-alone gateway starts from. Made by the managed backend (no TorchSharp): the same tensor
/// names, shapes and initialisation scheme as TorchSharp's models, so either backend trains it.
/// </summary>
internal static class InitModelCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The model file to write (its folder is created if needed).", Required = true, HelpName = "FILE" };
        var model = new Option<string>("--model") { Description = "The architecture: mlp or mobilenet (Device:Data:Model of the devices).", DefaultValueFactory = _ => "mlp", HelpName = "mlp|mobilenet" };
        model.AcceptOnlyFromAmong("mlp", "mobilenet");
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights (equal seeds, equal models).", DefaultValueFactory = _ => 42, HelpName = "N" };
        seed.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError($"--seed must be >= 0 (got {result.GetValueOrDefault<int>()})");
            }
        });

        var command = new Command(
            "init-model",
            "Writes a freshly initialised model (round 0) for Cloud:InitialModelPath or Gateway:InitialModelPath, in the wire format of docs/PROTOCOL.md; the layout matches the devices' Device:Data:Model. Never overwrites a file.")
        {
            output,
            model,
            seed,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetRequiredValue(output),
            parse.GetValue(model) == "mobilenet" ? ModelKind.MobileNet : ModelKind.Mlp,
            parse.GetValue(seed),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    /// <summary>The model id each architecture's file carries.</summary>
    public static string ModelId(ModelKind kind) => kind == ModelKind.Mlp ? "fmnist-mlp" : "fmnist-mobilenet";

    private static async Task<int> RunAsync(string path, ModelKind kind, int seed, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            await error.WriteLineAsync($"edgefl init-model: {path} exists; init-model never overwrites a model (move it away first)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        var state = ManagedModels.CreateInitial(kind, seed);
        var message = new ModelMessage(ModelId(kind), 0, "init", 0, DateTimeOffset.UtcNow, state);
        await ModelFile.SaveAsync(path, message, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"wrote {ModelId(kind)} ({state.ElementCount} values, {new FileInfo(path).Length} bytes) to {path}").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
