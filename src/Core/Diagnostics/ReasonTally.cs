using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace EdgeFL.Core.Diagnostics;

/// <summary>
/// Counts by reason, published as one observable counter tagged <c>reason</c>. The reasons are few
/// (an enum's names); past <see cref="MaxReasons"/> distinct ones, new reasons count as
/// <see cref="OtherReason"/>, so a caller's mistake cannot grow the tag's cardinality without bound.
/// </summary>
public sealed class ReasonTally
{
    /// <summary>Most distinct reasons kept.</summary>
    public const int MaxReasons = 64;

    /// <summary>The reason counted once <see cref="MaxReasons"/> are taken.</summary>
    public const string OtherReason = "other";

    /// <summary>The tag that carries the reason.</summary>
    public const string ReasonTag = "reason";

    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts by reason; published as instrument <paramref name="name"/> of <paramref name="meter"/> when there is one.</summary>
    public ReasonTally(Meter? meter, string name, string unit, string description) =>
        meter?.CreateObservableCounter(name, Observe, unit, description);

    /// <summary>The counts so far, by reason (reasons never counted are absent).</summary>
    public IReadOnlyDictionary<string, long> ByReason => _counts.ToDictionary(kv => kv.Key, kv => Interlocked.Read(ref kv.Value.Value), StringComparer.Ordinal);

    /// <summary>The sum over every reason.</summary>
    public long Total => _counts.Values.Sum(box => Interlocked.Read(ref box.Value));

    /// <summary>The count of one reason.</summary>
    public long Of(string reason) => _counts.TryGetValue(reason, out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Counts one occurrence of <paramref name="reason"/>.</summary>
    public void Add(string reason)
    {
        if (!_counts.TryGetValue(reason, out var box))
        {
            // Count takes every lock of the dictionary: only paid the first time a reason is seen.
            box = _counts.GetOrAdd(_counts.Count < MaxReasons ? reason : OtherReason, static _ => new StrongBox<long>());
        }

        Interlocked.Increment(ref box.Value);
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        foreach (var (reason, box) in _counts)
        {
            yield return new Measurement<long>(Interlocked.Read(ref box.Value), new KeyValuePair<string, object?>(ReasonTag, reason));
        }
    }
}
