namespace EdgeFL.Training;

/// <summary>What one local training run did: samples per epoch, mean mini-batch loss over all batches, wall time.</summary>
public sealed record TrainingResult(int SampleCount, double MeanLoss, TimeSpan Elapsed);
