using System.Net;
using System.Net.Sockets;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Broker;

/// <summary>
/// Issue 15, findings 2 and 9: retained 60 MB messages on a device's own topics raised the gateway's RSS
/// from 113 to 405 MB until cleared, and half-open connections that sent part of a CONNECT were closed
/// only after 100 s. Retained messages are bounded per topic kind and in total; a CONNECT must complete
/// within Broker:ConnectTimeout, and connections are bounded.
/// </summary>
public sealed class BrokerBoundsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<MqttConnection> ClientAsync(int port, string id)
    {
        var client = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = id }, NullLogger.Instance);
        await client.StartAsync();
        await client.WaitConnectedAsync().WaitAsync(Timeout);
        return client;
    }

    [Fact]
    public async Task RetainedMessages_AreBoundedInTotal_AndAClearedOneGivesItsRoomBack()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, MaxMessageBytes = 1024 * 1024, MaxRetainedBytes = 2 * 1024 * 1024 }, NullLogger.Instance);
        await broker.StartAsync();
        await using var client = await ClientAsync(port, "dev");
        byte[] mib = new byte[1024 * 1024];

        await client.PublishAsync("a/1", mib, MqttQos.AtLeastOnce, retain: true);
        await client.PublishAsync("a/2", mib, MqttQos.AtLeastOnce, retain: true);
        var refused = await Assert.ThrowsAsync<MqttPublishRejectedException>(() => client.PublishAsync("a/3", mib, MqttQos.AtLeastOnce, retain: true));
        Assert.Equal("QuotaExceeded", refused.ReasonCode);
        Assert.Equal(2 * 1024 * 1024, broker.RetainedBytes);

        // Replacing one costs its new size only; clearing one frees its room.
        await client.PublishAsync("a/2", mib, MqttQos.AtLeastOnce, retain: true);
        await client.PublishAsync("a/1", Array.Empty<byte>(), MqttQos.AtLeastOnce, retain: true);
        await client.PublishAsync("a/3", mib, MqttQos.AtLeastOnce, retain: true);
        Assert.Equal(2 * 1024 * 1024, broker.RetainedBytes);
    }

    [Fact]
    public async Task ATopicKindsSizeLimit_RefusesALargerMessage_BeforeItsConsumer()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        int consumed = 0;
        broker.AddLocalConsumer("s/#", _ => { Interlocked.Increment(ref consumed); return ConsumerVerdict.Taken(); }, forward: true, maxBytes: 4096);
        await broker.StartAsync();
        await using var client = await ClientAsync(port, "dev");

        var refused = await Assert.ThrowsAsync<MqttPublishRejectedException>(() => client.PublishAsync("s/1", new byte[60_000], MqttQos.AtLeastOnce, retain: true));
        Assert.Equal("QuotaExceeded", refused.ReasonCode);
        await client.PublishAsync("s/1", new byte[100], MqttQos.AtLeastOnce, retain: true);
        Assert.Equal(1, consumed);
        Assert.Equal(100, broker.RetainedBytes);
        Assert.Equal(1, broker.OversizeDropped);
    }

    [Fact]
    public async Task AHalfOpenConnect_IsClosedAfterTheConnectTimeout()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, ConnectTimeout = TimeSpan.FromSeconds(1) }, NullLogger.Instance);
        await broker.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);

        // The first bytes of a CONNECT (fixed header announcing 40 bytes, then part of the protocol name).
        await socket.SendAsync(new byte[] { 0x10, 40, 0x00, 0x04, (byte)'M' }, SocketFlags.None);

        // Closed by the broker: the read ends (0 bytes or a reset) long before MQTTnet's 100 s default.
        await ClosedAsync(socket).WaitAsync(Timeout);
    }

    [Fact]
    public async Task ConnectionsOverTheLimit_AreClosedAsTheyAreAccepted()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, MaxConnections = 2, ConnectTimeout = TimeSpan.FromMinutes(1) }, NullLogger.Instance);
        await broker.StartAsync();
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var third = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(IPAddress.Loopback, port);
        await second.ConnectAsync(IPAddress.Loopback, port);
        try
        {
            await third.ConnectAsync(IPAddress.Loopback, port);
            await ClosedAsync(third).WaitAsync(Timeout);
        }
        catch (SocketException)
        {
            // Reset before or as it connected: closed as well.
        }

        Assert.Equal(2, broker.ConnectionsOpen);

        // A place given back is taken again: a real client gets in.
        first.Close();
        await TestWait.UntilAsync(() => broker.ConnectionsOpen < 2, "the closed connection's place given back", Timeout);
        await using var client = await ClientAsync(port, "dev");
        Assert.True(client.IsConnected);
    }

    /// <summary>Completes when the peer closed the connection (a read of 0 bytes, or a reset).</summary>
    private static async Task ClosedAsync(Socket socket)
    {
        var buffer = new byte[64];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
    }
}
