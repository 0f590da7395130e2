using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Hosting;

/// <summary>
/// Speaks sd_notify for the service: READY=1 once <see cref="ServiceHealth.MarkReady"/> is called
/// (not when the host has merely started its hosted services), WATCHDOG=1 at half of WATCHDOG_USEC
/// while every liveness check passes, and STOPPING=1 when the host begins to stop. Without
/// NOTIFY_SOCKET the notifier is disabled and this does nothing.
/// </summary>
internal sealed class SystemdNotificationService(
    ISystemdNotifier notifier,
    ServiceHealth health,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<SystemdNotificationService> logger) : BackgroundService
{
    private readonly WatchdogSettings? _watchdog = WatchdogSettings.FromEnvironment();
    private int _stopping;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(OnStopping);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            string status = await health.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
            if (Volatile.Read(ref _stopping) != 0)
            {
                return;
            }

            SystemdLog.Ready(logger, status);
            Notify("READY=1\nSTATUS=" + status.ReplaceLineEndings(" "));
            if (_watchdog is not { } w)
            {
                return;
            }

            SystemdLog.WatchdogEnabled(logger, w.Interval, w.Timeout);
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
            using var timer = new PeriodicTimer(w.Interval, time);
            bool withheld = false;
            do
            {
                var failing = health.FailingChecks();
                if (failing.Count == 0)
                {
                    Notify("WATCHDOG=1");
                    if (withheld)
                    {
                        SystemdLog.HeartbeatResumed(logger);
                        withheld = false;
                    }
                }
                else if (!withheld)
                {
                    SystemdLog.HeartbeatWithheld(logger, string.Join(", ", failing));
                    withheld = true;
                }
            }
            while (await timer.WaitForNextTickAsync(stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnStopping()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0)
        {
            SystemdLog.Stopping(logger);
            Notify("STOPPING=1");
        }
    }

    private void Notify(string state)
    {
        if (notifier.IsEnabled)
        {
            notifier.Notify(new ServiceState(state));
        }
    }
}
