using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using EdgeFL.Messaging.Security;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Broker;

public sealed class PublishLocalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PublishLocal_PassesThePolicy_AndReachesASubscriber_WhileAClientIsRefusedTheSameTopic()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance, new NoClientPublishes());
        await broker.StartAsync();
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "client" }, NullLogger.Instance);
        await client.SubscribeAsync("acks/client", MqttQos.AtLeastOnce, (m, _) =>
        {
            received.TrySetResult(m.Payload.ToArray());
            return Task.CompletedTask;
        });
        await client.StartAsync();
        await client.WaitConnectedAsync().WaitAsync(Timeout);

        await Assert.ThrowsAsync<MqttPublishRejectedException>(() => client.PublishAsync("acks/client", new byte[] { 9 }, MqttQos.AtLeastOnce, retain: false));
        await broker.PublishLocalAsync("acks/client", new byte[] { 1, 2, 3 }, MqttQos.AtLeastOnce);

        Assert.Equal(new byte[] { 1, 2, 3 }, await received.Task.WaitAsync(Timeout));
        Assert.Equal(1, broker.PublishesRefused);
    }

    /// <summary>Admits every client; no client may publish anything.</summary>
    private sealed class NoClientPublishes : IBrokerAccessPolicy
    {
        public BrokerIdentity? Authenticate(string clientId, string? username, ReadOnlySpan<byte> password, X509Certificate2? clientCertificate) =>
            new BrokerIdentity(clientId, BrokerRole.Client);

        public bool MayPublish(BrokerIdentity who, string topic) => false;

        public bool MaySubscribe(BrokerIdentity who, string filter) => true;
    }
}
