using System.Net;
using EdgeFL.Messaging.Flow;
using MQTTnet.Channel;

namespace EdgeFL.Messaging.Broker;

/// <summary>What every connection of one embedded broker shares: the packet size limits, the receive budget, and the oversize count.</summary>
internal sealed class BrokerConnections(BodyLimits limits, ReceiveBudget? budget, Action<EndPoint?, long>? oversize = null)
{
    public BodyLimits Limits { get; } = limits;

    /// <summary>Null when large bodies are not metered.</summary>
    public ReceiveBudget? Budget { get; } = budget;

    /// <summary>Bytes every connection read and wrote.</summary>
    public ByteTally Bytes { get; } = new();

    /// <summary>A connection's byte stream, metered.</summary>
    public MeteredChannel Meter(IMqttChannel channel) => new(channel, Budget, Limits, oversize, Bytes);
}
