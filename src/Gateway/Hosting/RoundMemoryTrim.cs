using System.Runtime;
using EdgeFL.Core.Messages;

namespace EdgeFL.Gateway.Hosting;

/// <summary>
/// Gives a round's memory back to the operating system when the round closes
/// (<c>Gateway:TrimMemoryAfterRound</c>, default on). A round's update payloads are large-object-heap
/// arrays (MQTTnet allocates two per received message) that the GC frees but keeps committed, so
/// without this a gateway would sit between rounds at its round's peak RSS. One blocking, compacting,
/// decommitting collection per round costs a few milliseconds on a gateway's small live heap.
/// </summary>
internal sealed class RoundMemoryTrim : IGatewayObserver
{
    public void RoundCompleted(RoundResult result)
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public void GlobalModelAdopted(string gatewayId, ModelMessage global)
    {
    }

    public void Finished(string gatewayId, long lastRound)
    {
    }
}
