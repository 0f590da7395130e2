using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Coordinate-wise trimmed mean (Yin et al., ICML 2018): per coordinate, drop the
/// floor(<see cref="TrimFraction"/> x K) largest and as many smallest values and average the rest.
/// Unweighted: every update counts once, whatever its sample count.
/// </summary>
/// <remarks>
/// Like the median, it holds every update of the round: memory is O(<see cref="MaxUpdates"/> x model),
/// bounded by <see cref="MaxUpdates"/> (<see cref="Add(ModelState, double)"/> throws <see cref="InvalidOperationException"/>
/// beyond it). Int64 tensors take the trimmed mean too, rounded to nearest (ties to even).
/// </remarks>
public sealed class TrimmedMeanStrategy : IAggregationStrategy
{
    private readonly RetainedUpdates _updates;

    /// <summary>Creates the strategy trimming <paramref name="trimFraction"/> (in [0, 0.5)) at each end; a round keeps at most <paramref name="maxUpdates"/> updates.</summary>
    public TrimmedMeanStrategy(double trimFraction, int maxUpdates = 64)
    {
        if (!(trimFraction >= 0 && trimFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(trimFraction), trimFraction, "the trim fraction must be in [0, 0.5)");
        }

        TrimFraction = trimFraction;
        _updates = new RetainedUpdates(maxUpdates);
    }

    /// <summary>The fraction of values dropped at each end of every coordinate.</summary>
    public double TrimFraction { get; }

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
    public ModelState Complete()
    {
        int trim = (int)Math.Floor(TrimFraction * _updates.Count);
        return _updates.Reduce(values => TrimmedMean(values, trim));
    }

    internal static double TrimmedMean(Span<double> values, int trim)
    {
        values.Sort();
        double sum = 0;
        for (int k = trim; k < values.Length - trim; k++)
        {
            sum += values[k];
        }

        return sum / (values.Length - (2 * trim));
    }
}
