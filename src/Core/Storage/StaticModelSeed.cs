using EdgeFL.Core.Messages;

namespace EdgeFL.Core.Storage;

/// <summary>Seeds from a model held in memory (the simulator's freshly initialised model).</summary>
public sealed class StaticModelSeed(ModelMessage model) : IModelSeed
{
    /// <inheritdoc />
    public Task<ModelMessage?> LoadAsync(CancellationToken cancellationToken = default) => Task.FromResult<ModelMessage?>(model);
}
