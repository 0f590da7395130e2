using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Gateway.Cloud;
using EdgeFL.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.State;

/// <summary>
/// Gives the rounds their first model at start: the saved state (and the round it had open, to be resumed),
/// else the seed file (Gateway:InitialModelPath), else the cloud's first global model.
/// </summary>
internal sealed class GatewaySeeder(
    IOptions<GatewayOptions> options,
    RoundCoordinator rounds,
    GatewayStateStore store,
    IModelSeed seed,
    ModelSigner signer,
    CloudSync cloud,
    ILogger<GatewaySeeder> logger)
{
    private readonly GatewayOptions _options = options.Value;

    /// <summary>Seeds the rounds; returns the saved state when its open round is to be resumed, else null.</summary>
    public async Task<GatewaySnapshot?> SeedAsync(LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        LogSigningKey();
        if (AdoptSavedState(store, rounds, logger, _options.GatewayId) is { } saved)
        {
            cloud.Resume(saved);
            GatewayLog.Resumed(logger, _options.GatewayId, saved.Version, saved.OpenRound ?? 0, saved.Journal.Count, cloud.Queued);
            return saved.OpenRound == saved.Version + 1 ? saved : null;
        }

        ModelMessage? model;
        try
        {
            model = await seed.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ServiceConfigurationException($"{GatewayOptions.Section}:InitialModelPath '{_options.InitialModelPath}' is not a usable model file: {ex.Message}", ex);
        }

        if (model is not null)
        {
            if (rounds.Adopt(model) is { IsAccepted: false } refused)
            {
                throw new ServiceConfigurationException($"{GatewayOptions.Section}:InitialModelPath '{_options.InitialModelPath}' cannot be used: {refused}");
            }
        }
        else
        {
            // Validated at start: without a seed file the cloud uplink is enabled.
            GatewayLog.WaitingForInitialModel(logger, _options.GatewayId);
            model = await cloud.WaitForFirstGlobalAsync(heartbeat, cancellationToken).ConfigureAwait(false);
        }

        cloud.SaveSeed(model);
        GatewayLog.Seeded(logger, _options.GatewayId, model.ModelId, model.Round);
        return null;
    }

    /// <summary>
    /// The saved state, its model adopted. Null when there is none, or when it is unreadable or unfit
    /// (logged, and discarded): the gateway then starts from its seed, as on a first start.
    /// </summary>
    internal static GatewaySnapshot? AdoptSavedState(GatewayStateStore store, RoundCoordinator rounds, ILogger logger, string gatewayId)
    {
        GatewaySnapshot? saved;
        try
        {
            saved = store.Load();
        }
        catch (InvalidDataException ex)
        {
            GatewayLog.StateUnreadable(logger, gatewayId, ex.Message);
            store.Discard();
            return null;
        }

        if (saved is not null && rounds.Adopt(saved.Model with { Round = saved.Version }) is { IsAccepted: false } refused)
        {
            GatewayLog.StateUnreadable(logger, gatewayId, $"the saved model is unfit: {refused}");
            store.Discard();
            return null;
        }

        return saved;
    }

    private void LogSigningKey()
    {
        if (signer.Generated)
        {
            GatewayLog.SigningKeyGenerated(logger, _options.GatewayId, signer.KeyId, signer.KeyPath, SigningKeyFiles.PublicKeyPathFor(signer.KeyPath!));
        }
        else
        {
            GatewayLog.SigningWith(logger, _options.GatewayId, signer.KeyId, signer.KeyPath);
        }
    }
}
