using EdgeFL.Core.Models;
using EdgeFL.Training;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;

namespace EdgeFL.DeviceClient.Training;

/// <summary>
/// The device's local trainer over whichever <see cref="ITrainingBackend"/> runs here (TorchSharp or the managed
/// backend; see <see cref="TrainingBackends"/>). An optional shared semaphore caps how many devices of one process
/// train at once, so in-process devices do not fight over the cores.
/// </summary>
internal sealed class DeviceTrainer : IMemoryAwareTrainer, IDisposable
{
    private readonly ITrainingBackend _backend;
    private readonly LabeledDataset _data;
    private readonly TrainerOptions _options;
    private readonly SemaphoreSlim? _slots;
    private readonly SemaphoreSlim _own = new(1, 1);
    private int _batchSize;

    /// <summary>Trains with <paramref name="backend"/> (owned: disposed with this trainer) on <paramref name="data"/>.</summary>
    public DeviceTrainer(ITrainingBackend backend, LabeledDataset data, TrainerOptions options, SemaphoreSlim? trainingSlots = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _backend = backend;
        _data = data;
        _options = options;
        _slots = trainingSlots;
        _batchSize = options.BatchSize;
    }

    /// <summary>The backend's name: <c>torch</c> or <c>managed</c>.</summary>
    public string BackendName => _backend.Name;

    /// <summary>The architecture trained.</summary>
    public ModelKind Kind => _backend.Kind;

    /// <inheritdoc />
    public int SampleCount => _data.Count;

    /// <inheritdoc />
    public int Epochs => _options.Epochs;

    /// <inheritdoc />
    public int BatchSize => Volatile.Read(ref _batchSize);

    /// <inheritdoc />
    public int ConfiguredBatchSize => _options.BatchSize;

    /// <inheritdoc />
    public int FitBatchSize(double freeMemoryMb)
    {
        int batch = BatchSizePolicy.Fit(_options.BatchSize, freeMemoryMb, BatchSizePolicy.MegabytesPerSample(_backend.Kind));
        Volatile.Write(ref _batchSize, batch);
        return batch;
    }

    /// <inheritdoc />
    public Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default) => TrainAsync(start, 0, cancellationToken);

    /// <inheritdoc />
    public async Task<LocalTrainingOutcome> TrainAsync(ModelState start, long round, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        await _own.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_slots is not null)
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await Task.Run(
                    () =>
                    {
                        var run = _backend.Train(Quantizer.Dequantize(start), _data, _options with { BatchSize = BatchSize, LearningRate = _options.LearningRateAt(round) }, cancellationToken);
                        return new LocalTrainingOutcome(run.Model, run.Result.SampleCount, run.Result.MeanLoss, run.Result.Elapsed);
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _slots?.Release();
            }
        }
        finally
        {
            _own.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _backend.Dispose();
        _own.Dispose();
    }
}
