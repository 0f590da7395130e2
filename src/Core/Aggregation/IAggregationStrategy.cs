using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Turns one round's accepted updates into the next model. Implementations are not thread-safe;
/// the caller serialises calls for a round.
/// </summary>
public interface IAggregationStrategy
{
    /// <summary>Updates added since <see cref="BeginRound"/>.</summary>
    int Count { get; }

    /// <summary>Sum of the weights added since <see cref="BeginRound"/> (for FedAvg, the samples behind the aggregate).</summary>
    double TotalWeight { get; }

    /// <summary>
    /// Starts a round for models shaped like <paramref name="layout"/>, discarding anything added before.
    /// The layout is also the round's reference model (what deltas are taken from): its values must not
    /// change until <see cref="Complete"/> (EdgeFL passes detached models).
    /// </summary>
    void BeginRound(ModelState layout);

    /// <summary>
    /// Adds one update with a finite positive weight. Throws <see cref="ArgumentException"/> for a layout
    /// other than the round's or a bad weight, and then the round is as it was before the call.
    /// </summary>
    /// <remarks>
    /// The update is lent for the call only: its tensors may borrow a receive buffer (zero-copy decoding)
    /// that is overwritten once <c>Add</c> returns. A strategy that needs an update after the call copies
    /// what it needs before returning, and never keeps a reference to the update or its tensors.
    /// </remarks>
    void Add(ModelState update, double weight);

    /// <summary>
    /// Adds <c>reference + deltaScale x (update - reference)</c> with <paramref name="weight"/>: the update
    /// with its change from the round's reference model scaled by <paramref name="deltaScale"/> in (0, 1]
    /// (norm clipping), without materialising the scaled model. Float tensors are scaled, int64 tensors are
    /// taken as they are. Throws like <see cref="Add(ModelState, double)"/>, and for a scale outside (0, 1].
    /// The update is lent for the call only, as for <see cref="Add(ModelState, double)"/>.
    /// </summary>
    void Add(ModelState update, double weight, double deltaScale);

    /// <summary>The round's aggregate (float32 and int64 tensors in the layout's order); throws <see cref="InvalidOperationException"/> when nothing was added.</summary>
    ModelState Complete();
}
