using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Broker;

/// <summary>
/// MQTTnet 5.2 reads the retained messages for a SUBSCRIBE before registering it; a retained message
/// published in between reached neither. The embedded broker delivers it anyway.
/// </summary>
public sealed class RetainedSubscribeGuardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ARetainedMessagePublishedWhileASubscribeIsHandled_StillReachesTheSubscriber()
    {
        var (port, broker, publisher) = await StartAsync();
        await using var disposeBroker = broker;
        await using var disposePublisher = publisher;

        // Inside the subscription interceptor: after MQTTnet read the retained store for this SUBSCRIBE,
        // before it registers the subscription. The publish is stored and dispatched (to nobody) before
        // its PUBACK, so it lands exactly in the window.
        int injected = 0;
        broker.Server.InterceptingSubscriptionAsync += async e =>
        {
            if (e.ClientId == "device" && Interlocked.Exchange(ref injected, 1) == 0)
            {
                await publisher.PublishAsync("gw/model", new byte[] { 1, 2, 3 }, MqttQos.AtLeastOnce, retain: true);
            }
        };

        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var device = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "device" }, NullLogger.Instance);
        await device.SubscribeAsync("gw/+", MqttQos.AtLeastOnce, (m, _) =>
        {
            received.TrySetResult(System.Buffers.BuffersExtensions.ToArray(m.Payload));
            return Task.CompletedTask;
        });
        await device.StartAsync();

        Assert.Equal(new byte[] { 1, 2, 3 }, await received.Task.WaitAsync(Timeout));
        Assert.Equal(1, Volatile.Read(ref injected));
        Assert.Equal(1, broker.RetainedRedelivered);
    }

    [Fact]
    public async Task AnOrdinarySubscribe_GetsTheRetainedMessageOnce()
    {
        var (port, broker, publisher) = await StartAsync();
        await using var disposeBroker = broker;
        await using var disposePublisher = publisher;
        await publisher.PublishAsync("gw/model", new byte[] { 7 }, MqttQos.AtLeastOnce, retain: true);

        int count = 0;
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var device = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "device" }, NullLogger.Instance);
        await device.SubscribeAsync("gw/+", MqttQos.AtLeastOnce, (m, _) =>
        {
            if (m.Topic == "gw/marker")
            {
                marker.TrySetResult();
            }
            else
            {
                Interlocked.Increment(ref count);
            }

            return Task.CompletedTask;
        });
        await device.StartAsync();
        await TestWait.UntilAsync(() => Volatile.Read(ref count) == 1, "the retained message", Timeout);

        // A second copy would be queued to the session as its subscription was made, so before a message
        // published after that: once the marker is in, no copy can follow.
        await publisher.PublishAsync("gw/marker", new byte[] { 1 }, MqttQos.AtLeastOnce, retain: false);
        await marker.Task.WaitAsync(Timeout);
        Assert.Equal(1, Volatile.Read(ref count));
        Assert.Equal(0, broker.RetainedRedelivered);
    }

    /// <summary>An embedded broker on a free port and a connected client ("gateway") that publishes to it.</summary>
    private static async Task<(int Port, EmbeddedBroker Broker, MqttConnection Publisher)> StartAsync()
    {
        int port = TestPorts.Free();
        var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await broker.StartAsync();
        var publisher = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "gateway" }, NullLogger.Instance);
        try
        {
            await publisher.StartAsync();
            await publisher.WaitConnectedAsync().WaitAsync(Timeout);
            return (port, broker, publisher);
        }
        catch
        {
            await publisher.DisposeAsync();
            await broker.DisposeAsync();
            throw;
        }
    }
}
