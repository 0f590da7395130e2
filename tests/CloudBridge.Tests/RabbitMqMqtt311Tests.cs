using EdgeFL.CloudBridge.Link;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>One RabbitMQ node (Debian's rabbitmq-server, MQTT plugin) that keeps no retained messages, shared by the class.</summary>
public sealed class RabbitMqNoRetainFixture : IAsyncLifetime
{
    public RabbitMqCluster Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await RabbitMqCluster.StartAsync(1, retainedStore: "rabbit_mqtt_retained_msg_store_noop");

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>
/// The cloud link over MQTT 3.1.1 on RabbitMQ 3.10, a broker configured to keep no retained messages at all: the
/// cloud and its gateways sync, each upload is applied once, and a gateway that connects after the global model
/// was published still obtains it (it asks the cloud; docs/PROTOCOL.md, "Global model requests").
/// </summary>
public sealed class RabbitMqMqtt311Tests(RabbitMqNoRetainFixture rabbit) : IClassFixture<RabbitMqNoRetainFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly CloudTestFolder _folder = new("edgefl-rabbit-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ASyncOverMqtt311_AppliesEachUploadOnce_AndAGatewayConnectingAfterTheGlobalWasPublishedObtainsItWithoutRetain()
    {
        int port = rabbit.Broker.Nodes[0].MqttPort;
        var bed = new RabbitMqTestBed(_folder);
        using var cloud = bed.Cloud(expectedGateways: 2, port);
        await cloud.StartAsync();
        await using var gw1 = bed.Uplink("gw-1", port);
        await using var gw2 = bed.Uplink("gw-2", port);
        await gw1.StartAsync();
        await gw2.StartAsync();

        // The seed (round 0) reaches both, whether they connected before the cloud published it or after.
        Assert.NotNull(await gw1.WaitForGlobalAsync(0, Timeout));
        Assert.NotNull(await gw2.WaitForGlobalAsync(0, Timeout));

        await gw1.UploadAsync(RabbitMqTestBed.Upload("gw-1", 1));
        await gw2.UploadAsync(RabbitMqTestBed.Upload("gw-2", 1));
        Assert.NotNull(await gw1.WaitForGlobalAsync(1, Timeout));
        Assert.NotNull(await gw2.WaitForGlobalAsync(1, Timeout));
        await TestWait.UntilAsync(() => gw1.Outbox.Count == 0 && gw2.Outbox.Count == 0, "both uploads acknowledged", Timeout);
        Assert.Equal(2, RabbitMqTestBed.Aggregator(cloud).Metrics.Accepted);

        // A third gateway connects now: the broker holds no retained global model, so only its request brings it round 1.
        var link = cloud.Services.GetRequiredService<GatewayLink>();
        long answered = link.GlobalAnswers;
        await using var gw3 = bed.Uplink("gw-3", port);
        await gw3.StartAsync();
        var late = await gw3.WaitForGlobalAsync(1, Timeout);
        Assert.NotNull(late);
        Assert.Equal(1, late.Round);
        await TestWait.UntilAsync(() => gw3.GlobalRequests == 1, "the late gateway's one request counted (after its PUBACK, which may come after the answer)", Timeout);
        await TestWait.UntilAsync(() => link.GlobalAnswers > answered, "the cloud's count of answers (raised after the broker's PUBACK)", Timeout);
        Assert.Equal(2, RabbitMqTestBed.Aggregator(cloud).Metrics.Accepted);
        await cloud.StopAsync();
    }
}
