using System.Runtime;
using EdgeFL.Core.Messages;

namespace EdgeFL.Gateway.Hosting;

/// <summary>
/// Gives a round's memory back to the operating system when the round closes
/// (<c>Gateway:TrimMemoryAfterRound</c>, default on). A round's update payloads are large-object-heap
/// arrays (MQTTnet allocates two per received message) that the GC frees but keeps committed, so
/// without this a gateway would sit between rounds at its round's peak RSS. It runs one blocking,
/// compacting, decommitting collection, and only after a round in which the process allocated at least
/// <see cref="MinAllocatedBytes"/>: small rounds pay nothing.
/// </summary>
internal sealed class RoundMemoryTrim : IGatewayObserver
{
    /// <summary>Bytes allocated since the last trim below which a round's close does not collect.</summary>
    public const long MinAllocatedBytes = 32L << 20;

    private long _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();

    /// <summary>Collections run so far (tests read it).</summary>
    public int Trims { get; private set; }

    public void RoundCompleted(RoundResult result)
    {
        long allocated = GC.GetTotalAllocatedBytes();
        if (allocated - _allocatedAtLastTrim < MinAllocatedBytes)
        {
            return;
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
        Trims++;
    }

    public void GlobalModelAdopted(string gatewayId, ModelMessage global)
    {
    }

    public void Finished(string gatewayId, long lastRound)
    {
    }
}
