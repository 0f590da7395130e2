using MQTTnet.Adapter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeFL.Messaging.Flow;

/// <summary>
/// A client connection whose large incoming messages count against a <see cref="ReceiveBudget"/> from the
/// moment their header arrives until the client has handled and acknowledged them.
/// </summary>
/// <remarks>
/// MQTTnet's client reads packets as fast as the broker sends them and queues every received publish for
/// its one handler loop without limit; with model-sized messages and a broker faster than the handler
/// (mosquitto pushing a round's device updates at the gateway) that queue holds the whole round. Here a
/// large body waits for room in the budget before MQTTnet allocates it (<see cref="MeteredChannel"/>),
/// and the room is given back when the client sends the message's PUBACK (QoS 1) or PUBREC (QoS 2),
/// which MQTTnet does after the handler has returned. A QoS 0 message, which is never acknowledged,
/// and every other packet give their room back as soon as they are read. The broker's Receive Maximum
/// bounds the same queue in messages when the broker honours it; this bounds it in bytes whatever the
/// broker does.
/// </remarks>
internal sealed class MeteredClientAdapter(IMqttChannelAdapter inner, MeteredChannel channel, ReceiveBudget budget) : ChannelAdapterDecorator(inner)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ushort, long> _awaitingAck = [];
    private bool _disposed;

    /// <summary>Budget bytes held for messages received and not yet acknowledged.</summary>
    public long Held
    {
        get { lock (_lock) { return _awaitingAck.Values.Sum(); } }
    }

    public override async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        var packet = await Inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
        long held = channel.TakeHeld();
        if (held == 0)
        {
            return packet;
        }

        if (packet is MqttPublishPacket { QualityOfServiceLevel: not MqttQualityOfServiceLevel.AtMostOnce } publish)
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    // A redelivery under the same id replaces nothing: both are given back by the one acknowledgement.
                    _awaitingAck[publish.PacketIdentifier] = _awaitingAck.GetValueOrDefault(publish.PacketIdentifier) + held;
                    return packet;
                }
            }
        }

        budget.Release(held);
        return packet;
    }

    public override async Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        await Inner.SendPacketAsync(packet, cancellationToken).ConfigureAwait(false);
        if (packet is MqttPubAckPacket or MqttPubRecPacket)
        {
            Release(((MqttPacketWithIdentifier)packet).PacketIdentifier);
        }
    }

    public override void Dispose()
    {
        long held;
        lock (_lock)
        {
            _disposed = true;
            held = _awaitingAck.Values.Sum();
            _awaitingAck.Clear();
        }

        // Messages queued and never handled (the connection dropped) hold nothing any more.
        budget.Release(held);
        Inner.Dispose();
        channel.Dispose();
    }

    private void Release(ushort packetIdentifier)
    {
        long held;
        lock (_lock)
        {
            if (!_awaitingAck.Remove(packetIdentifier, out held))
            {
                return;
            }
        }

        budget.Release(held);
    }
}
