using System.Diagnostics;
using EdgeFL.Core.Models;
using EdgeFL.DeviceClient.Training;

namespace EdgeFL.Simulator.Tests;

/// <summary>A device trainer for tests: trains the first round it is given once released; never finishes a later one (until the device stops).</summary>
internal sealed class HeldTrainer : ILocalTrainer
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _never = new();
    private int _calls;

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Calls => Volatile.Read(ref _calls);

    public int SampleCount => 40;

    public int Epochs => 1;

    public int BatchSize => 16;

    public void Release() => _gate.TrySetResult();

    public async Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) == 1)
        {
            Started.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            return new LocalTrainingOutcome(start.Detach(), SampleCount, 0.3, TimeSpan.FromMilliseconds(1));
        }

        await _never.Task.WaitAsync(cancellationToken);
        throw new UnreachableException();
    }
}
