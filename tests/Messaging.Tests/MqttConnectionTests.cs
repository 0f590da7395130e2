using System.Buffers;
using System.Text;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests;

public sealed class MqttConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Connection_PublishesAndReceives_ThroughEmbeddedBroker()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await broker.StartAsync();
        await using var a = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "a" }, NullLogger.Instance);
        await using var b = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "b" }, NullLogger.Instance);
        var received = new TaskCompletionSource<string>();
        await b.SubscribeAsync("t/#", MqttQos.AtLeastOnce, (m, _) => { received.TrySetResult(m.Topic + "=" + Encoding.UTF8.GetString(BuffersExtensions.ToArray(m.Payload))); return Task.CompletedTask; });
        await a.StartAsync();
        await b.StartAsync();
        await a.WaitConnectedAsync().WaitAsync(Timeout);
        await b.WaitConnectedAsync().WaitAsync(Timeout);
        await a.PublishAsync("t/x", "hello"u8.ToArray(), MqttQos.AtLeastOnce, retain: false);
        Assert.Equal("t/x=hello", await received.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Connection_Resubscribes_AfterBrokerRestart()
    {
        int port = TestPorts.Free();
        var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await broker.StartAsync();
        await using var sub = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "sub", ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) }, NullLogger.Instance);
        var got = new TaskCompletionSource();
        await sub.SubscribeAsync("after/restart", MqttQos.AtLeastOnce, (_, _) => { got.TrySetResult(); return Task.CompletedTask; });
        await sub.StartAsync();
        await sub.WaitConnectedAsync().WaitAsync(Timeout);
        await broker.DisposeAsync();

        // A fresh broker on the same port knows nothing of the old session: the subscription must be re-sent.
        await using var restarted = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await restarted.StartAsync();
        await TestWait.UntilAsync(() => sub.ConnectCount >= 2, "the subscriber reconnected", Timeout);

        Assert.Equal(2, sub.ConnectCount);
        await using var pub = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "pub" }, NullLogger.Instance);
        await pub.StartAsync();
        await pub.WaitConnectedAsync().WaitAsync(Timeout);
        await pub.PublishAsync("after/restart", new byte[] { 1 }, MqttQos.AtLeastOnce, retain: false);
        await got.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task GoOffline_FiresLastWill_AndGoOnlineReconnects()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await broker.StartAsync();
        await using var watcher = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "watcher" }, NullLogger.Instance);
        var will = new TaskCompletionSource<byte[]>();
        await watcher.SubscribeAsync("status/dev", MqttQos.AtLeastOnce, (m, _) => { will.TrySetResult(BuffersExtensions.ToArray(m.Payload)); return Task.CompletedTask; });
        await watcher.StartAsync();
        await watcher.WaitConnectedAsync().WaitAsync(Timeout);

        await using var device = new MqttConnection(
            new MqttConnectionOptions { Port = port, ClientId = "dev", Will = new LastWill("status/dev", "gone"u8.ToArray(), Retain: true) },
            NullLogger.Instance);
        await device.StartAsync();
        await device.WaitConnectedAsync().WaitAsync(Timeout);
        await device.GoOfflineAsync();
        Assert.False(device.IsConnected);
        await Assert.ThrowsAsync<MqttNotConnectedException>(() => device.PublishAsync("x", new byte[1], MqttQos.AtLeastOnce, retain: false));
        Assert.Equal("gone", Encoding.UTF8.GetString(await will.Task.WaitAsync(Timeout)));

        device.GoOnline();
        await device.WaitConnectedAsync().WaitAsync(Timeout);
        await device.PublishAsync("x", new byte[1], MqttQos.AtLeastOnce, retain: false);
    }

    [Fact]
    public async Task EmbeddedBroker_DropsPublishesOverTheSizeLimit()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, MaxMessageBytes = 4096 }, NullLogger.Instance);
        await broker.StartAsync();
        await using var sub = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "sub" }, NullLogger.Instance);
        var sizes = new List<long>();
        var small = new TaskCompletionSource();
        await sub.SubscribeAsync("big/#", MqttQos.AtLeastOnce, (m, _) =>
        {
            lock (sizes)
            {
                sizes.Add(m.Payload.Length);
            }

            if (m.Topic == "big/small")
            {
                small.TrySetResult();
            }

            return Task.CompletedTask;
        });
        await sub.StartAsync();
        await using var pub = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "pub" }, NullLogger.Instance);
        await pub.StartAsync();
        await sub.WaitConnectedAsync().WaitAsync(Timeout);
        await pub.WaitConnectedAsync().WaitAsync(Timeout);

        // MQTT 5: the refusal reaches the publisher as a PUBACK reason code, not as a silent drop.
        var refused = await Assert.ThrowsAsync<MqttPublishRejectedException>(() => pub.PublishAsync("big/large", new byte[5000], MqttQos.AtLeastOnce, retain: false));
        Assert.Equal("QuotaExceeded", refused.ReasonCode);
        await pub.PublishAsync("big/small", new byte[100], MqttQos.AtLeastOnce, retain: false);
        await small.Task.WaitAsync(Timeout);

        Assert.Equal([100L], sizes);
        Assert.Equal(1, broker.OversizeDropped);
    }

    [Fact]
    public async Task EmbeddedBroker_LocalConsumer_RunsBeforeThePublishersPubAck_WithinTheSizeLimit()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, MaxMessageBytes = 4096 }, NullLogger.Instance);
        var consumed = new List<string>();
        broker.AddLocalConsumer("up/+", m =>
        {
            string text = Encoding.UTF8.GetString(BuffersExtensions.ToArray(m.Payload));
            lock (consumed)
            {
                consumed.Add(m.Topic + "=" + (text.Length > 10 ? $"{text.Length} bytes" : text));
            }

            if (text == "throw")
            {
                throw new InvalidOperationException("consumer bug");
            }
        });
        await broker.StartAsync();
        Assert.Throws<InvalidOperationException>(() => broker.AddLocalConsumer("late/#", _ => { }));
        await using var pub = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "pub" }, NullLogger.Instance);
        await pub.StartAsync();
        await pub.WaitConnectedAsync().WaitAsync(Timeout);

        // QoS 1: when PublishAsync returns the PUBACK has arrived, so the consumer has already run.
        await pub.PublishAsync("up/a", "one"u8.ToArray(), MqttQos.AtLeastOnce, retain: false);
        Assert.Equal(["up/a=one"], Snapshot());
        await pub.PublishAsync("other/a", "no"u8.ToArray(), MqttQos.AtLeastOnce, retain: false);
        await Assert.ThrowsAsync<MqttPublishRejectedException>(() => pub.PublishAsync("up/b", new byte[5000], MqttQos.AtLeastOnce, retain: false));

        // A consumer that throws is logged; the publisher is acknowledged and stays connected.
        await pub.PublishAsync("up/c", "throw"u8.ToArray(), MqttQos.AtLeastOnce, retain: false);
        await pub.PublishAsync("up/d", "two"u8.ToArray(), MqttQos.AtLeastOnce, retain: false);
        Assert.Equal(["up/a=one", "up/c=throw", "up/d=two"], Snapshot());
        Assert.Equal(1, pub.ConnectCount);

        List<string> Snapshot()
        {
            lock (consumed)
            {
                return [.. consumed];
            }
        }
    }

    [Fact]
    public void Options_Validation_NamesTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new MqttConnectionOptions { ClientId = "x", Port = 0 }.Validate("Gateway:Broker"));
        Assert.Contains("Gateway:Broker:Port", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<InvalidOperationException>(() => new MqttConnectionOptions { ClientId = "" }.Validate("Device"));
        Assert.Contains("Device:ClientId", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<InvalidOperationException>(() => new EmbeddedBrokerOptions { BindAddress = "localhost" }.Validate("Gateway:Broker"));
        Assert.Contains("Gateway:Broker:BindAddress", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_GrowsToTheCeiling_WithJitter()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), new Random(1));
        var delays = Enumerable.Range(0, 10).Select(_ => backoff.Next()).ToArray();
        Assert.InRange(delays[0].TotalMilliseconds, 50, 100);
        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 50, 2000));
        Assert.InRange(delays[^1].TotalMilliseconds, 1000, 2000);
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }

    [Fact]
    public async Task ClientOptions_CarryTheConfiguredSocketBuffer()
    {
        // MQTTnet's 8 KiB default makes model-sized payloads hundreds of times slower.
        await using var c = new MqttConnection(new MqttConnectionOptions { ClientId = "x", SocketBufferBytes = 1 << 20 }, NullLogger.Instance);
        var tcp = Assert.IsType<MQTTnet.MqttClientTcpOptions>(c.BuildClientOptions().ChannelOptions);
        Assert.Equal(1 << 20, tcp.BufferSize);
        Assert.Equal(new System.Net.DnsEndPoint("127.0.0.1", 1883), tcp.RemoteEndpoint);
    }

    [Fact]
    public async Task ReceiveMaximum_IsAnnouncedInTheConnect_AndZeroLeavesMqttsDefault()
    {
        // The gateway and the cloud bound the model-sized messages a broker may push at them before they are handled.
        await using var bounded = new MqttConnection(new MqttConnectionOptions { ClientId = "x", ReceiveMaximum = 4 }, NullLogger.Instance);
        Assert.Equal(4, bounded.BuildClientOptions().ReceiveMaximum);
        await using var unbounded = new MqttConnection(new MqttConnectionOptions { ClientId = "y" }, NullLogger.Instance);
        Assert.Equal(0, unbounded.BuildClientOptions().ReceiveMaximum);
    }

    [Fact]
    public async Task DisposingTwice_IsHarmless()
    {
        var c = new MqttConnection(new MqttConnectionOptions { ClientId = "x", Port = 1 }, NullLogger.Instance);
        await c.StartAsync(CancellationToken.None);
        await c.DisposeAsync();
        await c.DisposeAsync();
    }
}
