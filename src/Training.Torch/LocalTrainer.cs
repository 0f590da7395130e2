using System.Diagnostics;
using EdgeFL.Training.Data;
using static TorchSharp.torch;

namespace EdgeFL.Training;

/// <summary>Trains a classifier on local data: SGD on cross-entropy over shuffled mini-batches, with FedProx's proximal term when <see cref="TrainerOptions.ProximalMu"/> is set.</summary>
public static class LocalTrainer
{
    /// <summary>
    /// Runs <see cref="TrainerOptions.Epochs"/> epochs over <paramref name="data"/>, checking
    /// <paramref name="cancellationToken"/> between batches; the model is left in training mode.
    /// </summary>
    public static TrainingResult Train(nn.Module<Tensor, Tensor> model, LabeledDataset data, TrainerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Count == 0)
        {
            throw new ArgumentException("the dataset holds no samples", nameof(data));
        }

        var stopwatch = Stopwatch.StartNew();
        var random = new Random(options.Seed ?? Random.Shared.Next());
        int[] order = new int[data.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        model.train();
        var parameters = model.parameters().ToArray();
        using var optimizer = optim.SGD(parameters, options.LearningRate, momentum: options.Momentum);
        using var proximal = ProximalTerm.Create(parameters, options.ProximalMu);
        using var batch = new BatchBuffer(Math.Min(options.BatchSize, data.Count), data.FeatureCount);
        double lossSum = 0;
        long batches = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batch.Capacity)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batch.Capacity, order.Length - start);

                // Every tensor made in this step (views, activations, gradients' temporaries) dies with the scope.
                using var scope = NewDisposeScope();
                var (x, y) = batch.Fill(data, order.AsSpan(start, count));
                optimizer.zero_grad();
                Tensor logits = model.forward(x);
                Tensor loss = nn.functional.cross_entropy(logits, y);
                loss.backward();
                proximal?.AddGradient();
                optimizer.step();
                lossSum += loss.item<float>();
                batches++;
            }
        }

        return new TrainingResult(data.Count, lossSum / batches, stopwatch.Elapsed);
    }
}
