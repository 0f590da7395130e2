using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeFL.Messaging.Broker;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeFL.Messaging.Tests.Broker;

/// <summary>
/// A broker connection must not keep a model-sized message once the broker has handled it. MQTTnet's own
/// adapter keeps the packet body (in its decoder) and the receive loop keeps the decoded publish until
/// that connection's next packet; <see cref="ReleasingChannelAdapter"/> lets go of both when the loop
/// asks for the next packet.
/// </summary>
public sealed class ReleasingChannelAdapterTests
{
    [Fact]
    public async Task AfterAPublishIsHandled_NeitherTheBodyNorThePayloadIsKept()
    {
        var channel = new ScriptedChannel(Encode(new MqttPublishPacket
        {
            Topic = "edgefl/gw/devices/d/update",
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            PacketIdentifier = 7,
            Payload = new ReadOnlySequence<byte>(new byte[1 << 20]),
        }));
        using var adapter = new ReleasingChannelAdapter(new MqttChannelAdapter(channel, Formatter(), MqttNetNullLogger.Instance));

        // The packet stays referenced, as it does in MQTTnet's receive loop until the next packet arrives.
        var packet = Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None));
        var payload = PayloadOf(packet);
        Assert.True(channel.LargestReadBuffer!.TryGetTarget(out byte[]? body) && body.Length > 1 << 20, "MQTTnet reads the body into an array of its own");
        body = null;

        // The receive loop asks for the next packet once it has handled this one (here: end of stream).
        Assert.Null(await adapter.ReceivePacketAsync(CancellationToken.None));
        Assert.Equal(0, packet.Payload.Length);

        Collect();
        Assert.False(IsAlive(payload), "the payload is still referenced");
        Assert.False(IsAlive(channel.LargestReadBuffer), "the packet body is still referenced");
        GC.KeepAlive(adapter);
        GC.KeepAlive(packet);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<byte[]> PayloadOf(MqttPublishPacket packet)
    {
        Assert.Equal(1 << 20, packet.Payload.Length);
        Assert.True(MemoryMarshal.TryGetArray(packet.Payload.First, out var segment));
        return new WeakReference<byte[]>(segment.Array!);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsAlive(WeakReference<byte[]> reference) => reference.TryGetTarget(out _);

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static MqttPacketFormatterAdapter Formatter() => new(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65535));

    private static byte[] Encode(MqttPacket packet) => Formatter().Encode(packet).Join().ToArray();
}
