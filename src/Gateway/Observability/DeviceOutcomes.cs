using System.Collections.Concurrent;

namespace EdgeFL.Gateway.Observability;

/// <summary>
/// The last admission outcome of each device's update (accepted, or why it was refused), for the dashboard.
/// Bounded: past <see cref="MaxDevices"/> devices, new ones are not recorded.
/// </summary>
internal sealed class DeviceOutcomes
{
    public const int MaxDevices = 10_000;
    private readonly ConcurrentDictionary<string, (long Round, string Outcome)> _last = new(StringComparer.Ordinal);

    public void Record(string deviceId, long round, string outcome)
    {
        if (_last.ContainsKey(deviceId) || _last.Count < MaxDevices)
        {
            _last[deviceId] = (round, outcome);
        }
    }

    public (long Round, string Outcome)? Of(string deviceId) => _last.TryGetValue(deviceId, out var o) ? o : null;
}
