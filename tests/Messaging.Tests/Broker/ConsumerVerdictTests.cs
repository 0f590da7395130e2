using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Broker;

/// <summary>
/// Issue 15, finding 8: a device's PUBACK carried reason code 0 whether its update was taken or refused.
/// A local consumer's verdict reaches the publisher as the PUBACK's reason code and reason string, and a
/// consumed-only topic is neither delivered on nor retained.
/// </summary>
public sealed class ConsumerVerdictTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<(EmbeddedBroker Broker, MqttConnection Client)> StartAsync(Func<InboundMessage, ConsumerVerdict> consumer)
    {
        int port = TestPorts.Free();
        var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        broker.AddLocalConsumer("u/#", consumer, forward: false);
        await broker.StartAsync();
        var client = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "dev" }, NullLogger.Instance);
        await client.StartAsync();
        await client.WaitConnectedAsync().WaitAsync(Timeout);
        return (broker, client);
    }

    [Theory]
    [InlineData(ConsumerAnswer.Keep, "UnspecifiedError", true)]
    [InlineData(ConsumerAnswer.Refused, "ImplementationSpecificError", false)]
    [InlineData(ConsumerAnswer.Malformed, "PayloadFormatInvalid", false)]
    public async Task AConsumersVerdict_IsThePublishersPubAck(ConsumerAnswer answer, string reasonCode, bool keep)
    {
        var (broker, client) = await StartAsync(_ => new ConsumerVerdict(answer, "WrongRound: update for round 7, open round is 5"));
        await using (broker)
        await using (client)
        {
            var refused = await Assert.ThrowsAsync<MqttPublishRejectedException>(() => client.PublishAsync("u/1", new byte[] { 1, 2, 3 }, MqttQos.AtLeastOnce, retain: false));
            Assert.Equal(reasonCode, refused.ReasonCode);
            Assert.Equal("WrongRound: update for round 7, open round is 5", refused.Reason);
            Assert.Equal(keep, refused.ShouldKeep);
        }
    }

    [Fact]
    public async Task ATakenMessage_IsAcknowledged_AndNeitherForwardedNorRetained()
    {
        var (broker, client) = await StartAsync(_ => ConsumerVerdict.Taken());
        await using (broker)
        await using (client)
        {
            await client.PublishAsync("u/1", new byte[1024 * 1024], MqttQos.AtLeastOnce, retain: true);

            // A subscriber that comes later finds nothing retained; a marker published after shows the
            // subscription is live, so the retained message would have come before it.
            var seen = new List<string>();
            var marker = new TaskCompletionSource();
            await using var sub = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "sub" }, NullLogger.Instance);
            await sub.SubscribeAsync("#", MqttQos.AtLeastOnce, (m, _) =>
            {
                lock (seen)
                {
                    seen.Add(m.Topic);
                }

                if (m.Topic == "m/marker")
                {
                    marker.TrySetResult();
                }

                return Task.CompletedTask;
            });
            await sub.StartAsync();
            await sub.WaitConnectedAsync().WaitAsync(Timeout);
            await client.PublishAsync("m/marker", new byte[] { 1 }, MqttQos.AtLeastOnce, retain: false);
            await marker.Task.WaitAsync(Timeout);
            lock (seen)
            {
                Assert.Equal(["m/marker"], seen);
            }
        }
    }
}
