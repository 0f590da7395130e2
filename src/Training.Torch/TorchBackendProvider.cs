using EdgeFL.Training.Backends;
using EdgeFL.Training.Models;

[assembly: TrainingBackendProvider(typeof(EdgeFL.Training.TorchBackendProvider))]

namespace EdgeFL.Training;

/// <summary>Makes <see cref="TorchTrainingBackend"/>s for <see cref="TrainingBackends"/>, which finds this class by the assembly's attribute.</summary>
public sealed class TorchBackendProvider : ITrainingBackendProvider
{
    /// <inheritdoc />
    public string Name => TorchTrainingBackend.BackendName;

    /// <inheritdoc />
    public ITrainingBackend Create(ModelKind kind, int threads)
    {
        // The first call into libtorch: throws here, not in the first round, where the native library is missing.
        TorchRuntime.Configure(threads);
        return new TorchTrainingBackend(kind);
    }
}
