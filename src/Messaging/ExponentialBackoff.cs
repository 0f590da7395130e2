namespace EdgeFL.Messaging;

/// <summary>
/// Delays for a retry loop: doubling from a minimum to a maximum, each drawn with "equal jitter"
/// (half fixed, half random) so that a fleet reconnecting after an outage does not arrive at once.
/// </summary>
internal sealed class ExponentialBackoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _attempt;

    /// <summary>The delay before the next attempt; each call moves one step up.</summary>
    public TimeSpan Next()
    {
        double ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        double half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (_random.NextDouble() * half));
    }

    /// <summary>Back to the first step, after a success.</summary>
    public void Reset() => _attempt = 0;
}
