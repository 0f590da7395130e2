using System.Diagnostics;
using EdgeFL.Core.Models;
using EdgeFL.Training.Data;
using EdgeFL.Training.Managed.Layers;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Managed;

/// <summary>
/// Trains a model in managed code, with the semantics of the TorchSharp <c>LocalTrainer</c>: SGD (with
/// <see cref="TrainerOptions.Momentum"/>) on mean cross-entropy over mini-batches shuffled by a generator seeded with
/// <see cref="TrainerOptions.Seed"/>, dropout and batch norm in training mode. One trainer keeps its buffers between
/// runs, so a step allocates nothing once warm; it runs one <see cref="Train"/> at a time (a concurrent call throws).
/// </summary>
public sealed class ManagedTrainer : IDisposable
{
    private readonly ManagedNetwork network;
    private readonly DropoutSource dropout = new();
    private bool disposed;
    private int running;

    /// <summary>A trainer for <paramref name="kind"/> that uses up to <paramref name="threads"/> threads inside one step.</summary>
    public ManagedTrainer(ModelKind kind, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        Kind = kind;
        network = ManagedArchitectures.Create(kind, new Random(0), threads, dropout);
    }

    // Tests build a trainer over a network of their own (dropout off, a small net).
    internal ManagedTrainer(ModelKind kind, ManagedNetwork network, DropoutSource dropout)
    {
        Kind = kind;
        this.network = network;
        this.dropout = dropout;
    }

    /// <summary>The architecture this trainer trains.</summary>
    public ModelKind Kind { get; }

    /// <summary>
    /// Runs <see cref="TrainerOptions.Epochs"/> epochs over <paramref name="data"/> starting from <paramref name="start"/>,
    /// checking <paramref name="cancellationToken"/> between batches. <paramref name="start"/> is not changed.
    /// </summary>
    public ManagedTrainingRun Train(ModelState start, LabeledDataset data, TrainerOptions options, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Count == 0)
        {
            throw new ArgumentException("the dataset holds no samples", nameof(data));
        }

        if (data.FeatureCount != network.InputSize)
        {
            throw new ArgumentException($"the dataset has {data.FeatureCount} features per sample but the model takes {network.InputSize}", nameof(data));
        }

        if (Interlocked.Exchange(ref running, 1) != 0)
        {
            throw new InvalidOperationException("this trainer is already training: a ManagedTrainer runs one Train at a time");
        }

        try
        {
            return Run(start, data, options, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref running, 0);
        }
    }

    /// <inheritdoc />
    public void Dispose() => disposed = true;

    private ManagedTrainingRun Run(ModelState start, LabeledDataset data, TrainerOptions options, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        network.Load(start);
        network.ResetMomentum();

        // The shuffle is LocalTrainer's exactly (same generator, same seed, same calls); dropout draws from its own.
        int seed = options.Seed ?? Random.Shared.Next();
        var random = new Random(seed);
        dropout.Random = new Random(unchecked((seed * 31) + 17));
        int[] order = new int[data.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        int capacity = Math.Min(options.BatchSize, data.Count);
        byte[] labels = new byte[capacity];
        float learningRate = (float)options.LearningRate;
        float momentum = (float)options.Momentum;
        double lossSum = 0;
        long batches = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            for (int first = 0; first < order.Length; first += capacity)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(capacity, order.Length - first);
                Span<float> x = network.InputBuffer(count);
                for (int i = 0; i < count; i++)
                {
                    int row = order[first + i];
                    data.Row(row).CopyTo(x.Slice(i * data.FeatureCount, data.FeatureCount));
                    labels[i] = data.Labels[row];
                }

                network.Forward(count, training: true);
                lossSum += network.Loss(labels.AsSpan(0, count), backward: true);
                network.Step(learningRate, momentum);
                batches++;
            }
        }

        return new ManagedTrainingRun(network.ToState(), new TrainingResult(data.Count, lossSum / batches, stopwatch.Elapsed));
    }
}
