using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Gateway.State;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Cloud;

/// <summary>
/// The gateway's side of the cloud link: every Gateway:Rounds:SyncEvery rounds the closed round's model goes
/// into the durable outbox in the same transaction as the round's state, the uplink drains it, and the
/// cloud's newer global model is adopted between rounds. Without an uplink (Gateway:Cloud:Enabled false)
/// rounds are only saved.
/// </summary>
internal sealed class CloudSync(
    IOptions<GatewayOptions> options,
    RoundCoordinator rounds,
    GatewayStateStore store,
    DurableOutbox outbox,
    IEnumerable<ICloudUplink> uplinks,
    IEnumerable<IGatewayObserver> observers,
    ILogger<CloudSync> logger) : IHostedService
{
    private readonly GatewayOptions _options = options.Value;
    private readonly ICloudUplink? _uplink = uplinks.FirstOrDefault();
    private long _lastAdoptedGlobal = -1;
    private long _samplesSinceSync;

    /// <summary>True when the gateway syncs with a cloud.</summary>
    public bool Enabled => _uplink is not null;

    /// <summary>Messages waiting in the outbox.</summary>
    public int Queued => outbox.Count;

    public Task StartAsync(CancellationToken cancellationToken) => _uplink?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => _uplink?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Tells the cloud that no more uploads come from this gateway (its rounds are done); its syncs then do not wait for it.</summary>
    public Task AnnounceIdleAsync(CancellationToken cancellationToken) => _uplink?.AnnounceAsync(GatewayPresence.Idle, cancellationToken) ?? Task.CompletedTask;

    /// <summary>Takes the counters saved at the last stop.</summary>
    public void Resume(GatewaySnapshot saved)
    {
        _lastAdoptedGlobal = saved.LastAdoptedGlobal;
        _samplesSinceSync = saved.SamplesSinceSync;
    }

    /// <summary>Saves a model adopted at start (seed file or the cloud's first global model).</summary>
    public void SaveSeed(ModelMessage seed) => store.SaveAdopted(seed, seed.Round, _lastAdoptedGlobal);

    /// <summary>The first global model from the cloud that is fit to adopt (an unfit one is logged and a newer one awaited).</summary>
    public async Task<ModelMessage> WaitForFirstGlobalAsync(LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        long minRound = 0;
        while (true)
        {
            var global = (await heartbeat.TickWhile(_uplink!.WaitForGlobalAsync(minRound, Timeout.InfiniteTimeSpan, cancellationToken), cancellationToken).ConfigureAwait(false))!;
            _lastAdoptedGlobal = global.Round;
            if (rounds.Adopt(global) is not { IsAccepted: false } refused)
            {
                return global;
            }

            GatewayLog.GlobalRefused(logger, _options.GatewayId, global.Round, refused.ToString());
            minRound = global.Round < Core.Rounds.RoundNumbers.Max ? global.Round + 1 : throw new InvalidDataException($"the cloud's global model of round {global.Round} cannot be used: {refused}");
        }
    }

    /// <summary>
    /// One transaction: the closed round's model and counters, and on a sync round the upload in the
    /// outbox, so a crash cannot keep the round but lose its upload (or the reverse). Returns the upload
    /// queued, if any.
    /// </summary>
    public GatewayUpload? PersistClosedRound(RoundResult result)
    {
        // Counters change only once the transaction committed: a failed write (a full disk) is tried again as it was.
        long samplesSinceSync = _samplesSinceSync + result.Samples;
        bool sync = _uplink is not null && result.CloseReason != RoundCloseReason.Stopping && result.Round % _options.Rounds.SyncEvery == 0;
        var edge = rounds.Snapshot(samplesSinceSync);
        GatewayUpload? upload = null;
        bool queued = store.Database.InTransaction((c, tx) =>
        {
            if (sync)
            {
                var (incarnation, sequence) = store.NextUpload(c, tx);
                upload = new GatewayUpload(
                    _options.GatewayId,
                    GatewayUpload.MakeUploadId(_options.GatewayId, incarnation, sequence),
                    sequence,
                    edge.ModelId,
                    result.Round,
                    Math.Max(1, samplesSinceSync),
                    edge.IssuedAt,
                    edge.Model);
                var (topic, payload, key) = _uplink!.Prepare(upload);
                if (!outbox.Enqueue(c, tx, topic, payload, key).Queued)
                {
                    GatewayLog.UploadFailed(logger, _options.GatewayId, result.Round, "larger than Gateway:Outbox:MaxBytes");
                    upload = null;
                }
            }

            store.CloseRound(c, tx, edge, result.Round, sync ? 0 : samplesSinceSync);
            return upload is not null;
        });
        _samplesSinceSync = sync ? 0 : samplesSinceSync;

        if (queued)
        {
            outbox.NotifyEnqueued();
        }

        return upload;
    }

    /// <summary>After an upload: waits (up to Gateway:Rounds:GlobalModelTimeout) for the global model of its round, and adopts it.</summary>
    public async Task WaitForGlobalAsync(GatewayUpload upload, LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        var global = await heartbeat.TickWhile(_uplink!.WaitForGlobalAsync(upload.Round, _options.Rounds.GlobalModelTimeout, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (global is null)
        {
            GatewayLog.GlobalTimeout(logger, _options.GatewayId, upload.Round, _options.Rounds.GlobalModelTimeout);
            return;
        }

        AdoptNewerGlobal();
    }

    /// <summary>Between rounds: adopts the newest global model received, if newer than the last adopted, and saves it.</summary>
    public void AdoptNewerGlobal()
    {
        if (_uplink?.LatestGlobal is not { } global || global.Round <= _lastAdoptedGlobal)
        {
            return;
        }

        _lastAdoptedGlobal = global.Round;
        if (rounds.Adopt(global) is { IsAccepted: false } refused)
        {
            GatewayLog.GlobalRefused(logger, _options.GatewayId, global.Round, refused.ToString());
            return;
        }

        store.SaveAdopted(rounds.Snapshot(_samplesSinceSync), rounds.Version, _lastAdoptedGlobal);
        GatewayLog.GlobalAdopted(logger, _options.GatewayId, global.Round);
        foreach (var observer in observers)
        {
            observer.GlobalModelAdopted(_options.GatewayId, global);
        }
    }
}
