using EdgeFL.Core.Models;

namespace EdgeFL.DeviceClient.Training;

/// <summary>Trains a model on the device's own data (TorchSharp lives behind this).</summary>
internal interface ILocalTrainer
{
    /// <summary>Samples the device holds.</summary>
    int SampleCount { get; }

    /// <summary>Epochs per round.</summary>
    int Epochs { get; }

    /// <summary>Mini-batch size.</summary>
    int BatchSize { get; }

    /// <summary>Loads <paramref name="start"/>, trains on local data, and returns the trained state.</summary>
    Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="TrainAsync(ModelState, CancellationToken)"/>, for federation round <paramref name="round"/> (a learning-rate schedule may use it).</summary>
    Task<LocalTrainingOutcome> TrainAsync(ModelState start, long round, CancellationToken cancellationToken = default) => TrainAsync(start, cancellationToken);
}
