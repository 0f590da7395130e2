using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Coordinate-wise median of the round's models (Yin et al., ICML 2018): robust to a minority of
/// arbitrary (Byzantine) updates. Unweighted: every update counts once, whatever its sample count.
/// </summary>
/// <remarks>
/// A median cannot stream: this strategy holds every update of the round, so its memory is
/// O(<see cref="MaxUpdates"/> x model), unlike <see cref="FedAvgStrategy"/>'s O(model). The bound is
/// enforced: <see cref="Add(ModelState, double)"/> throws <see cref="InvalidOperationException"/> once the round holds
/// <see cref="MaxUpdates"/> updates. With an even count the median is the mean of the two middle values.
/// Int64 tensors take the median too, rounded to nearest (ties to even).
/// </remarks>
public sealed class CoordinateMedianStrategy : IAggregationStrategy
{
    private readonly RetainedUpdates _updates;

    /// <summary>Creates the strategy; a round keeps at most <paramref name="maxUpdates"/> updates.</summary>
    public CoordinateMedianStrategy(int maxUpdates = 64) => _updates = new RetainedUpdates(maxUpdates);

    /// <summary>The most updates a round holds (the memory bound: this many copies of the model, as float32).</summary>
    public int MaxUpdates => _updates.Capacity;

    /// <inheritdoc/>
    public int Count => _updates.Count;

    /// <inheritdoc/>
    public double TotalWeight => _updates.TotalWeight;

    /// <inheritdoc/>
    public void BeginRound(ModelState layout) => _updates.Begin(layout);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The round already holds <see cref="MaxUpdates"/> updates.</exception>
    public void Add(ModelState update, double weight) => _updates.Add(update, weight, 1.0);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The round already holds <see cref="MaxUpdates"/> updates.</exception>
    public void Add(ModelState update, double weight, double deltaScale) => _updates.Add(update, weight, deltaScale);

    /// <inheritdoc/>
    public ModelState Complete() => _updates.Reduce(Median);

    internal static double Median(Span<double> values)
    {
        values.Sort();
        int n = values.Length;
        return (n & 1) == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
