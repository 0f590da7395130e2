using System.Diagnostics.Metrics;

namespace EdgeFL.Core.Diagnostics;

/// <summary>
/// A running count that costs one interlocked add, read by the service itself and published as an
/// observable counter of its meter (the instrument reads the count when a listener collects).
/// </summary>
public sealed class Tally
{
    private long _value;

    /// <summary>A count; published as instrument <paramref name="name"/> of <paramref name="meter"/> when there is one.</summary>
    public Tally(Meter? meter, string name, string unit, string description) =>
        meter?.CreateObservableCounter(name, () => Value, unit, description);

    /// <summary>The count so far.</summary>
    public long Value => Interlocked.Read(ref _value);

    /// <summary>Adds <paramref name="n"/> (one by default).</summary>
    public void Add(long n = 1) => Interlocked.Add(ref _value, n);
}
