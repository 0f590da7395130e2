using EdgeFL.Gateway.Hosting;
using EdgeFL.Gateway.Selection;
using EdgeFL.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Rounds;

/// <summary>
/// When a gateway's rounds open and close, and who is asked: the first round waits for
/// Gateway:Rounds:WaitForDevices devices; each round's participants come from the selector; a round closes
/// on quorum (re-checked on every update, decline and status change) or at Gateway:Rounds:Deadline. Feeds
/// the round loop's heartbeat while it waits, and reports readiness. A round whose invited devices all went
/// offline without answering closes at once (<see cref="RoundCloseReason.ParticipantsGone"/>).
/// </summary>
internal sealed class RoundScheduler : IDisposable
{
    private static readonly TimeSpan HeartbeatCap = TimeSpan.FromSeconds(1);
    private readonly GatewayOptions _options;
    private readonly RoundCoordinator _rounds;
    private readonly FleetView _fleet;
    private readonly ParticipantSelector _selector;
    private readonly GatewayHealth _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _progress = new(0, int.MaxValue);
    private IReadOnlyCollection<string> _invited = [];

    public RoundScheduler(IOptions<GatewayOptions> options, RoundCoordinator rounds, FleetView fleet, ParticipantSelector selector, GatewayHealth health, TimeProvider time, ILogger<RoundScheduler> logger)
    {
        _options = options.Value;
        _rounds = rounds;
        _fleet = fleet;
        _selector = selector;
        _health = health;
        _time = time;
        _logger = logger;
        _rounds.Progress += Wake;
        _fleet.Changed += Wake;
    }

    /// <summary>The round loop's heartbeat (systemd's watchdog is fed while it ticks).</summary>
    public LoopHeartbeat Heartbeat => _health.Loop;

    /// <summary>Says READY (systemd) once the device link is up: its broker listens and the gateway's own client is connected.</summary>
    public void Ready(Link.DeviceLink devices) => _health.Ready(_options.GatewayId, devices.Broker, devices.Connection!);

    /// <summary>Hangs the loop when the diagnostics options say so (testing the watchdog).</summary>
    public Task StallIfConfiguredAsync(long roundsRun, CancellationToken cancellationToken) => _health.StallIfConfiguredAsync(roundsRun, cancellationToken);

    /// <summary>The devices asked to train in the next round (null: every device may).</summary>
    public IReadOnlyList<string>? ChooseParticipants()
    {
        var online = _fleet.OnlineDevices();
        var chosen = _selector.Choose(_rounds.Version + 1, online);
        _invited = chosen ?? online;
        Selection = (_rounds.Version + 1, chosen is null ? null : new HashSet<string>(chosen, StringComparer.Ordinal));
        return chosen;
    }

    /// <summary>A round reopened after a restart invites every device online now.</summary>
    public void InviteOnline() => _invited = _fleet.OnlineDevices();

    /// <summary>The last round's participants, for the dashboard and the metrics (Devices null: every device may train).</summary>
    public (long Round, IReadOnlySet<string>? Devices)? Selection { get; private set; }

    /// <summary>Waits until Gateway:Rounds:WaitForDevices devices are online, or its timeout passes.</summary>
    public async Task WaitForDevicesAsync(CancellationToken cancellationToken)
    {
        int wanted = _options.Rounds.WaitForDevices;
        if (wanted == 0)
        {
            return;
        }

        var timeout = _options.Rounds.WaitForDevicesTimeout;
        GatewayLog.WaitingForDevices(_logger, _options.GatewayId, wanted, timeout);
        long started = _time.GetTimestamp();
        while (true)
        {
            Heartbeat.Tick();
            int online = _fleet.OnlineDevices().Count;
            if (online >= wanted)
            {
                GatewayLog.DevicesOnline(_logger, _options.GatewayId, online, wanted);
                return;
            }

            var remaining = timeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                GatewayLog.WaitForDevicesTimedOut(_logger, _options.GatewayId, online, wanted, timeout);
                return;
            }

            // Woken by every status change; the cap keeps the watchdog fed.
            await _progress.WaitAsync(Min(remaining, HeartbeatCap), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the open round reaches its quorum or its deadline, or the gateway stops.</summary>
    public async Task<RoundCloseReason> WaitForCloseAsync(CancellationToken cancellationToken)
    {
        long opened = _time.GetTimestamp();
        while (true)
        {
            Heartbeat.Tick();
            var online = _fleet.OnlineDevices();
            if (_rounds.IsQuorumReached(online))
            {
                return RoundCloseReason.Quorum;
            }

            // Those asked went offline (status or last will) before answering: the deadline would wait for nobody.
            if (_rounds.IsDeserted(online, _invited))
            {
                return RoundCloseReason.ParticipantsGone;
            }

            var remaining = _options.Rounds.Deadline - _time.GetElapsedTime(opened);
            if (remaining <= TimeSpan.Zero)
            {
                return RoundCloseReason.Deadline;
            }

            try
            {
                await _progress.WaitAsync(Min(remaining, HeartbeatCap), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return RoundCloseReason.Stopping;
            }
        }
    }

    public void Dispose()
    {
        _rounds.Progress -= Wake;
        _fleet.Changed -= Wake;
        _progress.Dispose();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void Wake() => _progress.Release();
}
