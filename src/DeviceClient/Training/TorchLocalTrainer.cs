using EdgeFL.Core.Models;
using EdgeFL.Training;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;

namespace EdgeFL.DeviceClient.Training;

/// <summary>
/// Local training with TorchSharp. An optional shared semaphore caps how many devices of one process
/// train at once, so in-process devices do not fight over the cores.
/// </summary>
internal sealed class TorchLocalTrainer : IMemoryAwareTrainer, IDisposable
{
    private readonly EdgeModel _model;
    private readonly LabeledDataset _data;
    private readonly TrainerOptions _options;
    private readonly SemaphoreSlim? _slots;
    private readonly SemaphoreSlim _own = new(1, 1);
    private readonly ModelKind _kind;
    private int _batchSize;

    /// <summary>Creates the trainer with its own model instance.</summary>
    public TorchLocalTrainer(ModelKind kind, LabeledDataset data, TrainerOptions options, SemaphoreSlim? trainingSlots = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options.Validate();
        _model = ModelFactory.Create(kind, options.Seed);
        _data = data;
        _options = options;
        _slots = trainingSlots;
        _kind = kind;
        _batchSize = options.BatchSize;
    }

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
        int batch = BatchSizePolicy.Fit(_options.BatchSize, freeMemoryMb, BatchSizePolicy.MegabytesPerSample(_kind));
        Volatile.Write(ref _batchSize, batch);
        return batch;
    }

    /// <inheritdoc />
    public async Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default)
    {
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
                        ModelStateConverter.Load(_model, Quantizer.Dequantize(start));
                        var result = LocalTrainer.Train(_model, _data, _options with { BatchSize = BatchSize }, cancellationToken);
                        return new LocalTrainingOutcome(ModelStateConverter.ToModelState(_model), result.SampleCount, result.MeanLoss, result.Elapsed);
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
        _model.Dispose();
        _own.Dispose();
    }
}
