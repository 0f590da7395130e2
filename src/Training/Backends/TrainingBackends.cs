using System.Reflection;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Backends;

/// <summary>
/// Resolves <see cref="TrainingBackendKind"/> to a running backend. TorchSharp's backend lives in the optional
/// assembly <see cref="TorchAssemblyName"/>, loaded by name only when asked for: a build without it (linux-arm64,
/// linux-arm, a trimmed build) carries no TorchSharp and no libtorch and runs the managed backend.
/// </summary>
public static class TrainingBackends
{
    /// <summary>The assembly that holds TorchSharp's backend.</summary>
    public const string TorchAssemblyName = "EdgeFL.Training.Torch";

    /// <summary>
    /// Makes the backend <paramref name="requested"/> asks for. <see cref="TrainingBackendKind.Auto"/> tries TorchSharp and
    /// falls back to the managed backend, saying why in <see cref="TrainingBackendChoice.Reason"/>;
    /// <see cref="TrainingBackendKind.Torch"/> throws <see cref="TrainingBackendUnavailableException"/> where TorchSharp cannot run.
    /// </summary>
    public static TrainingBackendChoice Create(TrainingBackendKind requested, ModelKind kind, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        switch (requested)
        {
            case TrainingBackendKind.Managed:
                return new TrainingBackendChoice(new ManagedTrainingBackend(kind, threads), requested, "configured");
            case TrainingBackendKind.Torch:
                return TryCreateTorch(kind, threads, out var torch, out string failure)
                    ? new TrainingBackendChoice(torch, requested, "configured")
                    : throw new TrainingBackendUnavailableException($"the torch backend cannot run here: {failure}");
            case TrainingBackendKind.Auto:
                return TryCreateTorch(kind, threads, out var found, out string why)
                    ? new TrainingBackendChoice(found, requested, "TorchSharp's native library loads")
                    : new TrainingBackendChoice(new ManagedTrainingBackend(kind, threads), requested, $"TorchSharp is not available ({why})");
            default:
                throw new ArgumentOutOfRangeException(nameof(requested), requested, "not a training backend");
        }
    }

    /// <summary>True when <see cref="TorchAssemblyName"/> is present and its backend starts here (libtorch loads).</summary>
    public static bool TryCreateTorch(ModelKind kind, int threads, out ITrainingBackend backend, out string failure)
    {
        backend = null!;
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(TorchAssemblyName));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            failure = $"this build does not carry {TorchAssemblyName}";
            return false;
        }

        if (assembly.GetCustomAttribute<TrainingBackendProviderAttribute>() is not { } attribute)
        {
            failure = $"{TorchAssemblyName} names no {nameof(ITrainingBackendProvider)}";
            return false;
        }

        try
        {
            var provider = (ITrainingBackendProvider)Activator.CreateInstance(attribute.ProviderType)!;
            backend = provider.Create(kind, threads);
            failure = "";
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // libtorch missing or unloadable surfaces as DllNotFoundException, NotSupportedException or a
            // TypeInitializationException around one of them: the innermost message says which.
            var inner = e;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            failure = $"{inner.GetType().Name}: {inner.Message}";
            return false;
        }
    }
}
