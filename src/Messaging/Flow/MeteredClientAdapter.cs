using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
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
internal sealed class MeteredClientAdapter(IMqttChannelAdapter inner, MeteredChannel channel, ReceiveBudget budget) : IMqttChannelAdapter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ushort, long> _awaitingAck = [];
    private bool _disposed;

    public long BytesReceived => inner.BytesReceived;

    public long BytesSent => inner.BytesSent;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    /// <summary>Budget bytes held for messages received and not yet acknowledged.</summary>
    public long Held
    {
        get { lock (_lock) { return _awaitingAck.Values.Sum(); } }
    }

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        var packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
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

    public async Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        await inner.SendPacketAsync(packet, cancellationToken).ConfigureAwait(false);
        if (packet is MqttPubAckPacket or MqttPubRecPacket)
        {
            Release(((MqttPacketWithIdentifier)packet).PacketIdentifier);
        }
    }

    public void ResetStatistics() => inner.ResetStatistics();

    public void Dispose()
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
        inner.Dispose();
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
