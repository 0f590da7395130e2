using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>FedAvg: the sample-weighted mean of the round's models, streamed through a <see cref="WeightedAverageAccumulator"/>.</summary>
public sealed class FedAvgStrategy : IAggregationStrategy
{
    private WeightedAverageAccumulator? accumulator;

    /// <inheritdoc/>
    public int Count => accumulator?.Count ?? 0;

    /// <inheritdoc/>
    public double TotalWeight => accumulator?.TotalWeight ?? 0;

    /// <inheritdoc/>
    public void BeginRound(ModelState layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (accumulator is not null && accumulator.Layout.HasSameLayout(layout))
        {
            accumulator.Reset(layout); // same shapes as last round: reuse the sums rather than reallocate a model's worth
        }
        else
        {
            accumulator = new WeightedAverageAccumulator(layout);
        }
    }

    /// <inheritdoc/>
    public void Add(ModelState update, double weight) => Started().Add(update, weight);

    /// <inheritdoc/>
    public void Add(ModelState update, double weight, double deltaScale) => Started().Add(update, weight, deltaScale);

    /// <inheritdoc/>
    public ModelState Complete() => Started().Complete();

    private WeightedAverageAccumulator Started() =>
        accumulator ?? throw new InvalidOperationException("BeginRound has not been called");
}
