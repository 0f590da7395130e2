using EdgeFL.Core.Models;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;

namespace EdgeFL.Training;

/// <summary>TorchSharp's training (<see cref="LocalTrainer"/> over its own <see cref="EdgeModel"/>) as an <see cref="ITrainingBackend"/>.</summary>
public sealed class TorchTrainingBackend : ITrainingBackend
{
    /// <summary>The name logs and the demo print.</summary>
    public const string BackendName = "torch";

    private readonly EdgeModel _model;

    /// <summary>A backend with its own model instance of <paramref name="kind"/> (its weights are replaced by each run's start).</summary>
    public TorchTrainingBackend(ModelKind kind, int? seed = null)
    {
        _model = ModelFactory.Create(kind, seed);
        Kind = kind;
    }

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    public ModelKind Kind { get; }

    /// <inheritdoc />
    public BackendTrainingRun Train(ModelState start, LabeledDataset data, TrainerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        ModelStateConverter.Load(_model, Quantizer.Dequantize(start));
        var result = LocalTrainer.Train(_model, data, options, cancellationToken);
        return new BackendTrainingRun(ModelStateConverter.ToModelState(_model), result);
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
