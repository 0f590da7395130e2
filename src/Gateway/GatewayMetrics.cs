using System.Collections.Concurrent;

namespace EdgeFL.Gateway;

/// <summary>Counters of a gateway since it started.</summary>
public sealed class GatewayMetrics
{
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private const int MaxDevicePairs = 10_000;
    private readonly ConcurrentDictionary<(string Device, string Reason), long> _byDevice = new();
    private readonly ConcurrentDictionary<string, long> _globalsRejected = new(StringComparer.Ordinal);
    private long _accepted;
    private long _declined;
    private long _rounds;
    private long _clipped;
    private long _aggregatesRefused;

    /// <summary>Updates accepted into an aggregate.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Declines received.</summary>
    public long Declined => Interlocked.Read(ref _declined);

    /// <summary>Accepted updates whose change was clipped to Gateway:Updates:MaxUpdateNorm.</summary>
    public long Clipped => Interlocked.Read(ref _clipped);

    /// <summary>Rounds whose aggregate was not finite (float32 overflow) and was not used: the model carried over.</summary>
    public long AggregatesRefused => Interlocked.Read(ref _aggregatesRefused);

    /// <summary>Rounds closed.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Rejected updates by reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => new Dictionary<string, long>(_rejected);

    /// <summary>Total rejected updates.</summary>
    public long Rejected => _rejected.Values.Sum();

    internal void CountAccepted() => Interlocked.Increment(ref _accepted);

    internal void CountDeclined() => Interlocked.Increment(ref _declined);

    internal void CountAggregateRefused() => Interlocked.Increment(ref _aggregatesRefused);

    internal void CountClipped() => Interlocked.Increment(ref _clipped);

    internal void CountRound() => Interlocked.Increment(ref _rounds);

    /// <summary>Rejected updates by device and reason (bounded: past 10,000 pairs new ones count under device "*").</summary>
    public IReadOnlyDictionary<(string Device, string Reason), long> RejectedByDevice => new Dictionary<(string, string), long>(_byDevice);

    internal void CountRejected(string reason, string? deviceId = null)
    {
        _rejected.AddOrUpdate(reason, 1, (_, n) => n + 1);
        if (deviceId is not null)
        {
            var key = _byDevice.Count < MaxDevicePairs || _byDevice.ContainsKey((deviceId, reason)) ? (deviceId, reason) : ("*", reason);
            _byDevice.AddOrUpdate(key, 1, (_, n) => n + 1);
        }
    }

    /// <summary>Global models from the cloud not taken, by reason: a signature verdict (Unsigned, BadSignature, ...), TooLarge or a decode error.</summary>
    public IReadOnlyDictionary<string, long> GlobalModelsRejectedByReason => new Dictionary<string, long>(_globalsRejected);

    /// <summary>Total global models not taken.</summary>
    public long GlobalModelsRejected => _globalsRejected.Values.Sum();

    internal void CountGlobalRejected(string reason) => _globalsRejected.AddOrUpdate(reason, 1, (_, n) => n + 1);
}
