namespace EdgeFL.Messaging;

/// <summary>
/// Keeps a hostile or broken client from flooding the log: at most <see cref="PerWindow"/> lines per
/// key (a device id, a remote address) per window; the rest are counted, and the count is reported with the next line
/// that is let through. Memory is bounded: past <see cref="MaxDevices"/> tracked keys the table starts over.
/// </summary>
public sealed class LogRateLimiter(TimeProvider time)
{
    /// <summary>Lines let through per key per window.</summary>
    public const int PerWindow = 5;
    /// <summary>Keys tracked before the table starts over.</summary>
    public const int MaxDevices = 10_000;
    /// <summary>The window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Entry> _devices = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>True when this line may be logged; <paramref name="suppressed"/> is how many were not logged since the last line.</summary>
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
