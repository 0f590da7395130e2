using System.Buffers;
using EdgeFL.Messaging.Broker;
using EdgeFL.Messaging.Flow;
using EdgeFL.Messaging.Tests.Broker;
using EdgeFL.Tests.Shared;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeFL.Messaging.Tests.Flow;

/// <summary>
/// The metered channel under MQTTnet's own channel adapter: the announced size is checked and, for large
/// bodies, room in the budget is taken before MQTTnet allocates the body.
/// </summary>
public sealed class MeteredChannelTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly BodyLimits Limits = new(FirstPacketBytes: 1024, PacketBytes: 300_000, MeteredFromBytes: 10_000);

    [Fact]
    public async Task ALargeBody_WaitsForRoomInTheBudget_BeforeMqttnetAllocatesIt_AndHoldsItUntilReleased()
    {
        var budget = new ReceiveBudget(250_000, TimeSpan.FromMinutes(5));
        var scripted = new ScriptedChannel([.. Connect(), .. Publish(200_000), .. Publish(100)]);
        var metered = new MeteredChannel(scripted, budget, Limits);
        using var adapter = new ReleasingChannelAdapter(Adapter(metered), metered);

        Assert.IsType<MqttConnectPacket>(await adapter.ReceivePacketAsync(CancellationToken.None));
        Assert.Equal(0, metered.Held); // the first packet is never metered (it is capped instead)

        long other = await budget.AcquireAsync(100_000, CancellationToken.None); // another connection's body
        var next = adapter.ReceivePacketAsync(CancellationToken.None);
        await TestWait.UntilAsync(() => budget.Waiting == 1, "the body to wait for room in the budget", Timeout);
        Assert.False(next.IsCompleted);
        Assert.True(scripted.LargestReadBufferLength < 1000, "MQTTnet allocated the body before the budget had room");

        budget.Release(other);
        Assert.Equal(200_000, Assert.IsType<MqttPublishPacket>(await next.WaitAsync(Timeout)).Payload.Length);
        Assert.True(metered.Held > 200_000);
        Assert.Equal(metered.Held, budget.InUse);

        // The broker asks for the next packet once it has handled this one: the body's share goes back.
        Assert.Equal(100, Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None)).Payload.Length);
        Assert.Equal(0, metered.Held); // a small body never counts
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task DisposingTheConnection_GivesBackWhatItHeld()
    {
        var budget = new ReceiveBudget(1_000_000, TimeSpan.FromMinutes(5));
        var metered = new MeteredChannel(new ScriptedChannel([.. Connect(), .. Publish(200_000)]), budget, Limits);
        var adapter = new ReleasingChannelAdapter(Adapter(metered), metered);
        await adapter.ReceivePacketAsync(CancellationToken.None);
        await adapter.ReceivePacketAsync(CancellationToken.None);
        Assert.True(budget.InUse > 200_000);

        adapter.Dispose();
        Assert.Equal(0, budget.InUse);
    }

    [Theory]
    [InlineData(false)] // a first packet (CONNECT, before authentication) over its cap
    [InlineData(true)] // a later packet over the size limit
    public async Task AnOversizeAnnouncement_ClosesTheConnection_BeforeTheBodyIsAllocated(bool connected)
    {
        byte[] script = connected ? [.. Connect(), .. Publish(400_000)] : Connect(password: new byte[2000]);
        var scripted = new ScriptedChannel(script);
        var refused = new List<long>();
        var metered = new MeteredChannel(scripted, new ReceiveBudget(1_000_000, TimeSpan.FromMinutes(5)), Limits, (_, bytes) => refused.Add(bytes));
        using var adapter = new ReleasingChannelAdapter(Adapter(metered), metered);
        if (connected)
        {
            await adapter.ReceivePacketAsync(CancellationToken.None);
        }

        // MQTTnet hands the refusal on as a communication error; the server then closes the connection.
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => adapter.ReceivePacketAsync(CancellationToken.None));
        Assert.Single(refused);
        Assert.True(scripted.LargestReadBufferLength < 1000, "the oversize body was allocated");
    }

    private static MqttChannelAdapter Adapter(MeteredChannel channel) =>
        new(channel, new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65535)), MqttNetNullLogger.Instance);

    private static byte[] Connect(byte[]? password = null) =>
        Encode(new MqttConnectPacket { ClientId = "dev-1", Username = password is null ? null : "dev-1", Password = password, KeepAlivePeriod = 30 });

    private static byte[] Publish(int payloadBytes) => Encode(new MqttPublishPacket
    {
        Topic = "t",
        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        PacketIdentifier = 1,
        Payload = new ReadOnlySequence<byte>(new byte[payloadBytes]),
    });

    private static byte[] Encode(MqttPacket packet) =>
        new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65535)).Encode(packet).Join().ToArray();
}
