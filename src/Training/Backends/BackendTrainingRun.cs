using EdgeFL.Core.Models;

namespace EdgeFL.Training.Backends;

/// <summary>A finished run of an <see cref="ITrainingBackend"/>: the trained state and what the run did.</summary>
public sealed record BackendTrainingRun(ModelState Model, TrainingResult Result);
