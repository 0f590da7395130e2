using EdgeFL.Core.Messages;

namespace EdgeFL.Core.Storage;

/// <summary>Where a service's first model comes from when it has none (a file, or the demo's freshly initialised model).</summary>
public interface IModelSeed
{
    /// <summary>The initial model, or null when this seed has none.</summary>
    Task<ModelMessage?> LoadAsync(CancellationToken cancellationToken = default);
}
