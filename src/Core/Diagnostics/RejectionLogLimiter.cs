namespace EdgeFL.Core.Diagnostics;

/// <summary>
/// Keeps a hostile or broken sender from flooding the log: at most <see cref="PerWindow"/> rejection
/// lines per key (a device id at the gateway, a rejection reason for models) per window; the rest are
/// counted, and the count is reported with the next line that is let through. Memory is bounded: past
/// <see cref="MaxDevices"/> tracked keys the table starts over.
/// </summary>
public sealed class RejectionLogLimiter(TimeProvider time)
{
    public const int PerWindow = 5;
    public const int MaxDevices = 10_000;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Entry> _devices = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>True when this rejection may be logged; <paramref name="suppressed"/> is how many were not logged since the last line.</summary>
    public bool ShouldLog(string deviceId, out long suppressed)
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            if (!_devices.TryGetValue(deviceId, out var entry))
            {
                if (_devices.Count >= MaxDevices)
                {
                    _devices.Clear();
                }

                entry = new Entry { WindowStart = now };
                _devices[deviceId] = entry;
            }

            if (time.GetElapsedTime(entry.WindowStart, now) >= Window)
            {
                entry.WindowStart = now;
                entry.Logged = 0;
            }

            if (entry.Logged < PerWindow)
            {
                entry.Logged++;
                suppressed = entry.Suppressed;
                entry.Suppressed = 0;
                return true;
            }

            entry.Suppressed++;
            suppressed = entry.Suppressed;
            return false;
        }
    }

    private sealed class Entry
    {
        public long WindowStart { get; set; }

        public int Logged { get; set; }

        public long Suppressed { get; set; }
    }
}
