using System.Globalization;

namespace EdgeFL.Hosting;

/// <summary>The watchdog systemd asked for (<c>WATCHDOG_USEC</c>, <c>WATCHDOG_PID</c>), if any.</summary>
public readonly record struct WatchdogSettings(TimeSpan Timeout)
{
    /// <summary>Heartbeats go at half the timeout, as sd_watchdog_enabled(3) recommends.</summary>
    public TimeSpan Interval => Timeout / 2;

    /// <summary>
    /// Reads the watchdog from the environment: null when WATCHDOG_USEC is unset or not a positive
    /// number, or when WATCHDOG_PID names another process.
    /// </summary>
    public static WatchdogSettings? FromEnvironment(Func<string, string?>? getVariable = null, int? processId = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? usec = getVariable("WATCHDOG_USEC");
        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out long micros) || micros <= 0)
        {
            return null;
        }

        string? pid = getVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) &&
            (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int target) || target != (processId ?? Environment.ProcessId)))
        {
            return null;
        }

        return new WatchdogSettings(TimeSpan.FromMicroseconds(micros));
    }
}
