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

    /// <summary>
    /// When positive, the learning rate follows a cosine from <see cref="LearningRate"/> at round 0 down to
    /// <see cref="LearningRate"/> x <see cref="FinalLearningRateFactor"/> at this round, and stays there (the round is
    /// the federation's round number the device trains for: every device of a fleet decays alike). 0 (default): constant.
    /// </summary>
    public int DecayRounds { get; init; }

    /// <summary>The fraction of <see cref="LearningRate"/> reached at <see cref="DecayRounds"/>, in [0, 1]; default 0.1.</summary>
    public double FinalLearningRateFactor { get; init; } = 0.1;

    /// <summary>The learning rate for training in federation round <paramref name="round"/> (see <see cref="DecayRounds"/>).</summary>
    public double LearningRateAt(long round)
    {
        if (DecayRounds <= 0)
        {
            return LearningRate;
        }

        double progress = Math.Clamp((double)round / DecayRounds, 0, 1);
        double factor = FinalLearningRateFactor + ((1 - FinalLearningRateFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
        return LearningRate * factor;
    }

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

        if (DecayRounds < 0)
        {
            throw new ArgumentException($"{nameof(DecayRounds)} must be 0 (constant) or more, got {DecayRounds}", nameof(DecayRounds));
        }

        if (!(FinalLearningRateFactor >= 0 && FinalLearningRateFactor <= 1))
        {
            throw new ArgumentException($"{nameof(FinalLearningRateFactor)} must be in [0, 1], got {FinalLearningRateFactor}", nameof(FinalLearningRateFactor));
        }

        if (!(Momentum >= 0 && Momentum < 1))
        {
            throw new ArgumentException($"{nameof(Momentum)} must be in [0, 1), got {Momentum}", nameof(Momentum));
        }
    }
}
