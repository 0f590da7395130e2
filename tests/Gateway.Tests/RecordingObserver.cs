using System.Collections.Concurrent;
using EdgeFL.Core.Messages;

namespace EdgeFL.Gateway.Tests;

/// <summary>Records what a gateway service reports: its closed rounds, and when it has finished.</summary>
internal sealed class RecordingObserver : IGatewayObserver
{
    public ConcurrentBag<RoundResult> Rounds { get; } = [];

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void RoundCompleted(RoundResult result) => Rounds.Add(result);

    public void GlobalModelAdopted(string gatewayId, ModelMessage global)
    {
    }

    void IGatewayObserver.Finished(string gatewayId, long lastRound) => Finished.TrySetResult();
}
