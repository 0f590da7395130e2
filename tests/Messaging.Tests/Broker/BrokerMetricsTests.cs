using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Messaging.Security;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Broker;

public sealed class BrokerMetricsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EachRefusal_IsRecordedByItsInstrument()
    {
        int port = TestPorts.Free();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, MaxMessageBytes = 4096 }, NullLogger.Instance, new OnlyTopicA(), meters: services.GetRequiredService<IMeterFactory>());
        using var reader = new MeterReader(broker.Meter);
        await broker.StartAsync();
        await using var client = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "client" }, NullLogger.Instance);
        await client.StartAsync();
        await client.WaitConnectedAsync().WaitAsync(Timeout);
        await using var intruder = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "intruder" }, NullLogger.Instance);
        await intruder.StartAsync();

        await Assert.ThrowsAsync<MqttPublishRejectedException>(() => client.PublishAsync("a", new byte[5000], MqttQos.AtLeastOnce, retain: false));
        await Assert.ThrowsAsync<MqttPublishRejectedException>(() => client.PublishAsync("b", new byte[10], MqttQos.AtLeastOnce, retain: false));
        await TestWait.UntilAsync(() => broker.ConnectionsRefused > 0, "the intruder refused", Timeout);

        Assert.Equal(1, reader.Read("edgefl.broker.oversize.dropped"));
        Assert.Equal(1, reader.Read("edgefl.broker.publishes.refused"));
        Assert.Equal(1, reader.Read("edgefl.broker.clients.connected"));
        Assert.True(reader.Read("edgefl.broker.connections.refused") >= 1);
        Assert.Equal(0, reader.Read("edgefl.broker.subscriptions.refused"));
        Assert.All(reader.Instruments, i => Assert.False(string.IsNullOrEmpty(i.Unit) || string.IsNullOrEmpty(i.Description), i.Name));
        Assert.Contains(broker.Meter.Tags!, t => t.Key == EmbeddedBroker.PortTag && Equals(t.Value, port));
    }

    [Fact]
    public async Task ABrokerWithoutAMeterFactory_OwnsItsMeter_AndDisposesIt()
    {
        var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = TestPorts.Free(), ReceiveBudgetBytes = 1 << 20 }, NullLogger.Instance);
        using var reader = new MeterReader(broker.Meter);
        Assert.Equal(EdgeFlMeters.Broker, broker.Meter.Name);
        Assert.Equal(1 << 20, reader.Read("edgefl.broker.receive_budget.capacity"));

        await broker.DisposeAsync();
        Assert.DoesNotContain(reader.Instruments, i => i.Enabled);
    }

    /// <summary>Admits every client but "intruder"; only topic "a" may be published to.</summary>
    private sealed class OnlyTopicA : IBrokerAccessPolicy
    {
        public BrokerIdentity? Authenticate(string clientId, string? username, ReadOnlySpan<byte> password, X509Certificate2? clientCertificate) =>
            clientId == "intruder" ? null : new BrokerIdentity(clientId, BrokerRole.Client);

        public bool MayPublish(BrokerIdentity who, string topic) => topic == "a";

        public bool MaySubscribe(BrokerIdentity who, string filter) => true;
    }
}
