using EdgeFL.Messaging.Flow;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeFL.Messaging.Broker;

/// <summary>
/// One broker connection that keeps no reference to a received message once the broker has handled it.
/// </summary>
/// <remarks>
/// MQTTnet 5.2's server reads each packet body into a new array, copies the publish payload out of it into
/// a second array, and then keeps both until that connection's next packet: the body in the packet
/// decoder's reader (<c>MqttBufferReader.SetBuffer</c>, replaced only by the next packet with a body) and
/// the decoded packet in the receive loop (<c>MqttConnectedClient.ReceivePackagesLoop</c>'s
/// <c>currentPacket</c>). For a device that sends one model-sized update per round and nothing big
/// after it, that is two model-sized arrays per device held until its next packet, i.e. O(devices x model)
/// across a round (PERFORMANCE.md figure 5). The receive loop asks for the next packet only after it
/// has handled the previous one (interceptors run, subscribers' copies queued, PUBACK queued), so at
/// that point this adapter empties the previous publish packet's payload (subscribers and the retained
/// store hold the application message, which has its own reference) and, after each publish, makes the
/// decoder read a two-byte dummy PUBACK so that its reader lets go of the body. At the same point it
/// gives back the connection's share of the broker's <see cref="ReceiveBudget"/> (<paramref name="metered"/>).
/// Everything else is MQTTnet's own adapter.
/// </remarks>
internal sealed class ReleasingChannelAdapter(IMqttChannelAdapter inner, MeteredChannel? metered = null) : ChannelAdapterDecorator(inner)
{
    /// <summary>A PUBACK for packet id 1 (fixed header 0x40, remaining length 2): valid for MQTT 3.1, 3.1.1 and 5.</summary>
    private static readonly byte[] DummyPubAckBody = [0, 1];

    private MqttPublishPacket? _lastPublish;

    public override async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        // The receive loop has handled the previous packet: its payload is no longer this connection's to keep.
        if (_lastPublish is { } handled)
        {
            handled.Payload = default;
            _lastPublish = null;
        }

        metered?.ReleaseHeld();

        var packet = await Inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
        if (packet is MqttPublishPacket publish)
        {
            _lastPublish = publish;
            Inner.PacketFormatterAdapter.Decode(new ReceivedMqttPacket(0x40, new ArraySegment<byte>(DummyPubAckBody), 4));
        }

        return packet;
    }

    public override void Dispose()
    {
        _lastPublish = null;
        Inner.Dispose();
        metered?.Dispose();
    }
}
