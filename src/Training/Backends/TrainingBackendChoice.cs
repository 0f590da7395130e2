namespace EdgeFL.Training.Backends;

/// <summary>The backend <see cref="TrainingBackends.Create"/> made, what was asked for, and why this one.</summary>
public sealed record TrainingBackendChoice(ITrainingBackend Backend, TrainingBackendKind Requested, string Reason);
