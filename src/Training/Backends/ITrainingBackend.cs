using EdgeFL.Core.Models;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Backends;

/// <summary>
/// One model's local training, whatever computes it (TorchSharp, the managed backend). An instance keeps
/// its model and buffers between runs and is not thread-safe.
/// </summary>
public interface ITrainingBackend : IDisposable
{
    /// <summary>The backend's name as logs and the demo print it: <c>torch</c> or <c>managed</c>.</summary>
    string Name { get; }

    /// <summary>The architecture it trains.</summary>
    ModelKind Kind { get; }

    /// <summary>
    /// Trains from <paramref name="start"/> (not changed) on <paramref name="data"/> with <paramref name="options"/>,
    /// checking <paramref name="cancellationToken"/> between batches; returns the trained state (full weights).
    /// </summary>
    BackendTrainingRun Train(ModelState start, LabeledDataset data, TrainerOptions options, CancellationToken cancellationToken = default);
}
