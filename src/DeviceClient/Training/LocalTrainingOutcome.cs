using EdgeFL.Core.Models;

namespace EdgeFL.DeviceClient.Training;

/// <summary>A finished local training run.</summary>
/// <param name="Model">The trained state (full weights, not a delta).</param>
/// <param name="SampleCount">Samples trained on per epoch.</param>
/// <param name="MeanLoss">Mean training loss over all batches.</param>
/// <param name="Elapsed">Real time spent.</param>
internal sealed record LocalTrainingOutcome(ModelState Model, int SampleCount, double MeanLoss, TimeSpan Elapsed);
