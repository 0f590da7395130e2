using System.Globalization;
using EdgeFL.Core.Models;
using EdgeFL.Training;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Data;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;

namespace EdgeFL.Simulator;

/// <summary>
/// The demo's models on one backend (<c>--trainer</c>): the initial model, each device's training backend, and the
/// scoring of the global models. With <c>managed</c> the demo makes no call into TorchSharp.
/// </summary>
internal sealed class DemoModels : IDisposable
{
    private readonly TrainingBackendKind _backend;
    private readonly ModelKind _kind;
    private readonly EdgeModel? _torchModel;

    public DemoModels(TrainingBackendKind backend, ModelKind kind, int seed)
    {
        if (backend is not (TrainingBackendKind.Torch or TrainingBackendKind.Managed))
        {
            throw new ArgumentException($"--trainer takes torch or managed (got {backend})", nameof(backend));
        }

        _backend = backend;
        _kind = kind;
        if (backend == TrainingBackendKind.Torch)
        {
            TorchRuntime.Configure(1);
            _torchModel = ModelFactory.Create(kind, seed);
            Initial = ModelStateConverter.ToModelState(_torchModel);
        }
        else
        {
            Initial = ManagedModels.CreateInitial(kind, seed);
        }
    }

    /// <summary>The round-0 model, drawn from <c>--seed</c>.</summary>
    public ModelState Initial { get; }

    /// <summary>What the header line prints about the model.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{_kind} ({Initial.DataBytes / (1024.0 * 1024.0):F3} MB, {Initial.ElementCount} values), trainer {_backend.ToString().ToLowerInvariant()}");

    /// <summary>A new backend for one device (one thread: the demo caps concurrent training with its slots instead).</summary>
    public ITrainingBackend CreateBackend() => _backend == TrainingBackendKind.Torch
        ? new TorchTrainingBackend(_kind)
        : new ManagedTrainingBackend(_kind, threads: 1);

    /// <summary>Test accuracy of <paramref name="model"/>; one caller at a time (the evaluation loop).</summary>
    public double Accuracy(ModelState model, LabeledDataset test)
    {
        if (_torchModel is not null)
        {
            ModelStateConverter.Load(_torchModel, Quantizer.Dequantize(model));
            return Evaluator.Accuracy(_torchModel, test);
        }

        return ManagedEvaluator.Accuracy(_kind, Quantizer.Dequantize(model), test);
    }

    public void Dispose() => _torchModel?.Dispose();
}
