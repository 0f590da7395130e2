using EdgeFL.Training.Models;

namespace EdgeFL.Training.Backends;

/// <summary>
/// Makes the backends of an optional assembly (TorchSharp's, <c>EdgeFL.Training.Torch</c>), found through its
/// <see cref="TrainingBackendProviderAttribute"/> so that nothing references that assembly at compile time.
/// </summary>
public interface ITrainingBackendProvider
{
    /// <summary>The backend's name: <c>torch</c>.</summary>
    string Name { get; }

    /// <summary>
    /// A backend for <paramref name="kind"/> using up to <paramref name="threads"/> threads inside one op. Throws when
    /// the backend cannot run here (its native library is missing or does not load).
    /// </summary>
    ITrainingBackend Create(ModelKind kind, int threads);
}
