using EdgeFL.Core.Messages;
using EdgeFL.Gateway.Cloud;
using EdgeFL.Gateway.Link;
using EdgeFL.Gateway.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Rounds;

/// <summary>
/// The gateway's round loop: seed the model, then round after round open it (resuming the round open at a
/// crash), publish its model, wait for it to close, close it, save it (and on a sync round queue the
/// upload and adopt the cloud's answer), until Gateway:Rounds:MaxRounds or the gateway stops.
/// </summary>
internal sealed class RoundLoop(
    IOptions<GatewayOptions> options,
    RoundCoordinator rounds,
    RoundScheduler scheduler,
    DeviceLink devices,
    CloudSync cloud,
    GatewaySeeder seeder,
    IEnumerable<IGatewayObserver> observers,
    TimeProvider time,
    ILogger<RoundLoop> logger) : BackgroundService
{
    private readonly GatewayOptions _options = options.Value;
    private readonly StateWrites _writes = new(options.Value, time, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // READY=1 under systemd: the broker listens and our own client got through to it.
            await devices.WaitConnectedAsync(stoppingToken).ConfigureAwait(false);
            scheduler.Ready(devices);
            var resume = await seeder.SeedAsync(scheduler.Heartbeat, stoppingToken).ConfigureAwait(false);
            await RunRoundsAsync(resume, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunRoundsAsync(GatewaySnapshot? resume, CancellationToken cancellationToken)
    {
        long roundsRun = 0;
        await scheduler.WaitForDevicesAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested && (_options.Rounds.MaxRounds == 0 || roundsRun < _options.Rounds.MaxRounds))
        {
            scheduler.Heartbeat.Tick();
            await scheduler.StallIfConfiguredAsync(roundsRun, cancellationToken).ConfigureAwait(false);
            var reopen = resume;
            var model = await _writes.UntilWrittenAsync("opening the next round", () => Open(reopen), scheduler.Heartbeat, cancellationToken).ConfigureAwait(false);
            resume = null;
            GatewayLog.RoundOpened(logger, _options.GatewayId, model.Round);
            devices.SizeReceiveBudget(model.Model);
            await devices.PublishModelAsync(model, scheduler.Heartbeat, cancellationToken).ConfigureAwait(false);
            var reason = await scheduler.WaitForCloseAsync(cancellationToken).ConfigureAwait(false);
            var result = rounds.CloseRound(reason);
            roundsRun++;
            var upload = await _writes.UntilWrittenAsync($"saving round {result.Round}", () => cloud.PersistClosedRound(result), scheduler.Heartbeat, cancellationToken).ConfigureAwait(false);
            GatewayLog.RoundClosed(logger, result.GatewayId, result.Round, reason.ToString(), result.Accepted, result.Declined, result.Rejected, result.Samples, result.MeanLoss);
            foreach (var observer in observers)
            {
                observer.RoundCompleted(result);
            }

            if (reason == RoundCloseReason.Stopping)
            {
                return;
            }

            if (upload is not null)
            {
                await cloud.WaitForGlobalAsync(upload, scheduler.Heartbeat, cancellationToken).ConfigureAwait(false);
            }

            if (_options.Rounds.Pause > TimeSpan.Zero)
            {
                await scheduler.Heartbeat.TickWhile(Task.Delay(_options.Rounds.Pause, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }

        GatewayLog.Finished(logger, _options.GatewayId, roundsRun);
        if (!cancellationToken.IsCancellationRequested)
        {
            // Its rounds are done: the cloud's next sync must not wait for this gateway's upload.
            await cloud.AnnounceIdleAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var observer in observers)
        {
            observer.Finished(_options.GatewayId, rounds.Version);
        }
    }

    /// <summary>
    /// The next round's model. The round open at a crash is reopened with the same issue time (devices that
    /// answered it do not train again) and the updates it had accepted folded back; every device may answer
    /// it, since the selection of the lost process is not kept.
    /// </summary>
    private ModelMessage Open(GatewaySnapshot? resume)
    {
        if (resume is not null)
        {
            scheduler.InviteOnline();
            var model = rounds.BeginRound(selected: null, issuedAt: resume.OpenIssuedAt);
            int replayed = rounds.Replay(resume.Journal);
            GatewayLog.RoundResumed(logger, _options.GatewayId, model.Round, replayed);
            return model;
        }

        cloud.AdoptNewerGlobal();
        return rounds.BeginRound(scheduler.ChooseParticipants());
    }
}
