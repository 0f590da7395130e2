using EdgeFL.Core.Models;
using EdgeFL.Training.Data;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Backends;

/// <summary>The managed backend (<see cref="ManagedTrainer"/>) as an <see cref="ITrainingBackend"/>.</summary>
public sealed class ManagedTrainingBackend : ITrainingBackend
{
    /// <summary>The name logs and the demo print.</summary>
    public const string BackendName = "managed";

    private readonly ManagedTrainer _trainer;

    /// <summary>A backend for <paramref name="kind"/> using up to <paramref name="threads"/> threads inside one step.</summary>
    public ManagedTrainingBackend(ModelKind kind, int threads = 1)
    {
        _trainer = new ManagedTrainer(kind, threads);
        Kind = kind;
    }

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    public ModelKind Kind { get; }

    /// <inheritdoc />
    public BackendTrainingRun Train(ModelState start, LabeledDataset data, TrainerOptions options, CancellationToken cancellationToken = default)
    {
        var run = _trainer.Train(start, data, options, cancellationToken);
        return new BackendTrainingRun(run.Model, run.Result);
    }

    /// <inheritdoc />
    public void Dispose() => _trainer.Dispose();
}
