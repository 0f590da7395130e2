using EdgeFL.Core.Models;
using EdgeFL.DeviceClient.Training;

namespace EdgeFL.DeviceClient.Tests;

/// <summary>A trainer that returns its start model at once and counts its calls.</summary>
internal sealed class CountingTrainer : ILocalTrainer
{
    private int _calls;

    public int Calls => _calls;

    public int SampleCount => 50;

    public int Epochs => 1;

    public int BatchSize => 16;

    public Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(new LocalTrainingOutcome(start.Detach(), 50, 0.25, TimeSpan.FromMilliseconds(5)));
    }
}
