using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Wraps another strategy: each update's change from the round's model is clipped to an L2 norm of at
/// most <see cref="MaxNorm"/> before the inner strategy sees it (with <see cref="FedAvgStrategy"/> inside,
/// norm-clipped FedAvg). Bounds how far one device can pull the model in a round.
/// </summary>
/// <remarks>
/// The norm is taken over all float tensors of the model together (f32, and q8 dequantized); int64
/// tensors are passed through unclipped. Nothing model-sized is allocated: the norm is computed in
/// stack-sized chunks (<see cref="ModelDistance"/>) and a clipped update reaches the inner strategy as a
/// delta scale (<see cref="IAggregationStrategy.Add(ModelState, double, double)"/>), which FedAvg folds in
/// streaming and the robust rules apply to their own copy. The round's model (the layout given to
/// <see cref="BeginRound"/>) is read, not copied, so it must not change until <see cref="Complete"/>.
/// </remarks>
public sealed class NormClippingStrategy : IAggregationStrategy
{
    private readonly IAggregationStrategy _inner;
    private ModelState? _reference;

    /// <summary>Clips every update's delta to <paramref name="maxNorm"/> (finite, positive) and passes it to <paramref name="inner"/>.</summary>
    public NormClippingStrategy(IAggregationStrategy inner, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!double.IsFinite(maxNorm) || maxNorm <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the clipping norm must be positive and finite");
        }

        _inner = inner;
        MaxNorm = maxNorm;
    }

    /// <summary>The largest L2 norm an update's delta keeps.</summary>
    public double MaxNorm { get; }

    /// <summary>Updates clipped since <see cref="BeginRound"/>.</summary>
    public int ClippedCount { get; private set; }

    /// <inheritdoc/>
    public int Count => _inner.Count;

    /// <inheritdoc/>
    public double TotalWeight => _inner.TotalWeight;

    /// <summary>Starts a round whose reference model is <paramref name="layout"/> (deltas are taken from its values).</summary>
    public void BeginRound(ModelState layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _reference = layout;
        ClippedCount = 0;
        _inner.BeginRound(layout);
    }

    /// <inheritdoc/>
    public void Add(ModelState update, double weight) => Add(update, weight, 1.0);

    /// <inheritdoc/>
    public void Add(ModelState update, double weight, double deltaScale)
    {
        ArgumentNullException.ThrowIfNull(update);
        ModelState reference = _reference ?? throw new InvalidOperationException("BeginRound has not been called");
        if (!update.HasSameLayout(reference))
        {
            throw new ArgumentException("the update's tensors differ from the model's in name, shape or dtype", nameof(update));
        }

        foreach (NamedTensor t in update.Tensors)
        {
            if (t.Quantization is { } q && (!float.IsFinite(q.Scale) || q.Scale <= 0 || q.ZeroPoint is < 0 or > 255))
            {
                throw new ArgumentException($"update tensor '{t.Name}' has invalid quantization (scale {q.Scale}, zp {q.ZeroPoint})", nameof(update));
            }
        }

        // The norm of the delta as it would reach the inner strategy (already scaled by deltaScale).
        double norm = ModelDistance.L2(update, reference) * deltaScale;
        if (!double.IsFinite(norm))
        {
            throw new ArgumentException("the update's delta has no finite norm (NaN or infinity in the update)", nameof(update));
        }

        if (norm <= MaxNorm)
        {
            _inner.Add(update, weight, deltaScale);
            return;
        }

        _inner.Add(update, weight, deltaScale * (MaxNorm / norm));
        ClippedCount++;
    }

    /// <inheritdoc/>
    public ModelState Complete() => _inner.Complete();
}
