using System.Net;
using EdgeFL.Messaging.Flow;
using MQTTnet.Channel;

namespace EdgeFL.Messaging.Broker;

/// <summary>What every connection of one embedded broker shares: the packet size limits, the receive budget, and the oversize count.</summary>
internal sealed class BrokerConnections(BodyLimits limits, ReceiveBudget? budget, Action<EndPoint?, long>? oversize = null, int maxConnections = int.MaxValue, Action<EndPoint?>? overLimit = null)
{
    private int _open;

    /// <summary>Connections open now (accepted, not yet closed).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Takes a place for an accepted connection; false (and reported) when every place is taken.</summary>
    public bool TryOpen(EndPoint? remote)
    {
        if (Interlocked.Increment(ref _open) <= maxConnections)
        {
            return true;
        }

        Interlocked.Decrement(ref _open);
        overLimit?.Invoke(remote);
        return false;
    }

    /// <summary>Gives a closed connection's place back.</summary>
    public void Closed() => Interlocked.Decrement(ref _open);

    public BodyLimits Limits { get; } = limits;

    /// <summary>Null when large bodies are not metered.</summary>
    public ReceiveBudget? Budget { get; } = budget;

    /// <summary>Bytes every connection read and wrote.</summary>
    public ByteTally Bytes { get; } = new();

    /// <summary>A connection's byte stream, metered.</summary>
    public MeteredChannel Meter(IMqttChannel channel) => new(channel, Budget, Limits, oversize, Bytes);
}
