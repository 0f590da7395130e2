namespace EdgeFL.Training;

/// <summary>Hyperparameters of one local training run (SGD on cross-entropy).</summary>
public sealed record TrainerOptions
{
    /// <summary>Samples per mini-batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>SGD step size.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Passes over the local data.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>SGD momentum, in [0, 1).</summary>
    public double Momentum { get; init; }

    /// <summary>
    /// FedProx's proximal coefficient mu (Li et al., MLSys 2020): the local loss gains mu/2 x ||w - w_start||^2,
    /// pulling the weights towards the round's model; 0 (default) is plain local SGD. In [0, 100].
    /// </summary>
    public double ProximalMu { get; init; }

    /// <summary>Seeds the batch shuffling; null draws a fresh seed. TorchSharp's dropout uses libtorch's global generator; the managed trainer's dropout a generator seeded from this seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (BatchSize <= 0)
        {
            throw new ArgumentException($"{nameof(BatchSize)} must be positive, got {BatchSize}", nameof(BatchSize));
        }

        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentException($"{nameof(LearningRate)} must be positive and finite, got {LearningRate}", nameof(LearningRate));
        }

        if (Epochs <= 0)
        {
            throw new ArgumentException($"{nameof(Epochs)} must be positive, got {Epochs}", nameof(Epochs));
        }

        if (!(ProximalMu >= 0 && ProximalMu <= 100))
        {
            throw new ArgumentException($"{nameof(ProximalMu)} must be in [0, 100], got {ProximalMu}", nameof(ProximalMu));
        }

        if (!(Momentum >= 0 && Momentum < 1))
        {
            throw new ArgumentException($"{nameof(Momentum)} must be in [0, 1), got {Momentum}", nameof(Momentum));
        }
    }
}
