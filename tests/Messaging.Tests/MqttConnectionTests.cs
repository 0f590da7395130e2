using System.Buffers;
using System.Text;
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
}
