using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;

namespace EdgeFL.Simulator;

/// <summary>
/// <c>init-model</c>: writes a freshly initialised model (the managed backend's, torch.nn's initialisation
/// scheme) as a model file, the first model a cloud aggregator or a stand-alone gateway starts from. The same as
/// <c>edgefl init-model</c>, kept here so the demo's one project can make one.
/// </summary>
internal static class InitModelCommand
{
    /// <summary>The text printed for <c>init-model --help</c>.</summary>
    public const string Usage = """
        Usage: dotnet run --project src/Simulator -c Release -- init-model --out FILE [--model mlp|mobilenet] [--seed N]

        Writes a freshly initialised model (round 0) in the wire format of docs/PROTOCOL.md, for
        Cloud:InitialModelPath or Gateway:InitialModelPath. The layout matches what devices train with
        the same --model (Device:Data:Model).
        """;

    /// <summary>Runs the command; returns the process exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken = default)
    {
        string? outPath = null;
        var kind = ModelKind.Mlp;
        int seed = 42;
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            switch (flag)
            {
                case "--out": outPath = Value(); break;
                case "--model": kind = DemoArguments.ParseModel(Value()); break;
                case "--seed":
                    seed = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s >= 0
                        ? s : throw new ArgumentException($"--seed takes a whole number >= 0 (got '{args[i]}')");
                    break;
                default: throw new ArgumentException($"unknown flag '{flag}' for init-model");
            }
        }

        if (string.IsNullOrEmpty(outPath))
        {
            throw new ArgumentException("init-model needs --out FILE");
        }

        var state = ManagedModels.CreateInitial(kind, seed);
        string modelId = kind == ModelKind.Mlp ? "fmnist-mlp" : "fmnist-mobilenet";
        var message = new ModelMessage(modelId, 0, "init", 0, DateTimeOffset.UtcNow, state);
        await ModelFile.SaveAsync(outPath, message, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"wrote {modelId} ({state.ElementCount} values, {new FileInfo(outPath).Length} bytes) to {outPath}").ConfigureAwait(false);
        return 0;
    }
}
