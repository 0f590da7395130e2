using System.Collections.Concurrent;

namespace EdgeFL.Gateway;

/// <summary>Counters of a gateway since it started.</summary>
public sealed class GatewayMetrics
{
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private long _accepted;
    private long _declined;
    private long _rounds;

    /// <summary>Updates accepted into an aggregate.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Declines received.</summary>
    public long Declined => Interlocked.Read(ref _declined);

    /// <summary>Rounds closed.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Rejected updates by reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => new Dictionary<string, long>(_rejected);

    /// <summary>Total rejected updates.</summary>
    public long Rejected => _rejected.Values.Sum();

    internal void CountAccepted() => Interlocked.Increment(ref _accepted);

    internal void CountDeclined() => Interlocked.Increment(ref _declined);

    internal void CountRound() => Interlocked.Increment(ref _rounds);

    internal void CountRejected(string reason) => _rejected.AddOrUpdate(reason, 1, (_, n) => n + 1);
}
