using Microsoft.Extensions.Logging;

namespace EdgeFL.Hosting;

internal static partial class SystemdLog
{
    [LoggerMessage(1201, LogLevel.Information, "Service ready: {Status}")]
    public static partial void Ready(ILogger logger, string status);

    [LoggerMessage(1202, LogLevel.Information, "Watchdog enabled: heartbeat every {Interval} (timeout {Timeout})")]
    public static partial void WatchdogEnabled(ILogger logger, TimeSpan interval, TimeSpan timeout);

    [LoggerMessage(1203, LogLevel.Warning, "Watchdog heartbeat withheld: failing checks {Checks}")]
    public static partial void HeartbeatWithheld(ILogger logger, string checks);

    [LoggerMessage(1204, LogLevel.Information, "Watchdog heartbeat resumed")]
    public static partial void HeartbeatResumed(ILogger logger);

    [LoggerMessage(1205, LogLevel.Information, "Service stopping")]
    public static partial void Stopping(ILogger logger);
}
