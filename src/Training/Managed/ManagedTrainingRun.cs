using EdgeFL.Core.Models;

namespace EdgeFL.Training.Managed;

/// <summary>What <see cref="ManagedTrainer.Train"/> returns: the trained model's state and the run's figures.</summary>
public sealed record ManagedTrainingRun(ModelState Model, TrainingResult Result);
