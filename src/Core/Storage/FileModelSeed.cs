using EdgeFL.Core.Messages;

namespace EdgeFL.Core.Storage;

/// <summary>Seeds from a model file; no path means no seed.</summary>
public sealed class FileModelSeed(string? path) : IModelSeed
{
    /// <inheritdoc />
    public async Task<ModelMessage?> LoadAsync(CancellationToken cancellationToken = default) =>
        string.IsNullOrEmpty(path) ? null : await ModelFile.LoadAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
}
