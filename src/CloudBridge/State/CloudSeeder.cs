using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge.State;

/// <summary>Gives the aggregator its first global model at start: the saved state (with its pending uploads folded back), else the seed file.</summary>
internal sealed class CloudSeeder(CloudAggregator aggregator, IModelSeed seed, ModelSigner signer, ILogger<CloudSeeder> logger)
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (signer.Generated)
        {
            CloudLog.SigningKeyGenerated(logger, signer.KeyId, signer.KeyPath, SigningKeyFiles.PublicKeyPathFor(signer.KeyPath!));
        }
        else
        {
            CloudLog.SigningWith(logger, signer.KeyId, signer.KeyPath);
        }

        int restored = 0;
        try
        {
            restored = aggregator.Restore();
        }
        catch (InvalidDataException ex)
        {
            CloudLog.StateUnreadable(logger, ex.Message);
        }

        if (aggregator.Global is { } saved)
        {
            CloudLog.Seeded(logger, saved.Round, $"saved state, {restored} pending uploads");
        }
        else if (await LoadSeedAsync(cancellationToken).ConfigureAwait(false) is { } model)
        {
            if (aggregator.Adopt(model with { Source = "cloud" }) is { IsAccepted: false } refused)
            {
                throw new EdgeFL.Hosting.ServiceConfigurationException($"Cloud:InitialModelPath cannot be used: {refused}");
            }
            else
            {
                CloudLog.Seeded(logger, model.Round, "seed");
            }
        }
    }

    private async Task<Core.Messages.ModelMessage?> LoadSeedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await seed.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new EdgeFL.Hosting.ServiceConfigurationException($"Cloud:InitialModelPath is not a usable model file: {ex.Message}", ex);
        }
    }
}
