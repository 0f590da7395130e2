using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge.Tests;

public sealed class CloudServiceTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly CloudTestFolder _folder = new("edgefl-cloudsvc-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Uplinks_UploadWithQos1_AndReceiveTheRetainedGlobalModel()
    {
        // As deployed: the gateways are provisioned at the cloud and come in over TLS with their credentials.
        using var security = new TestSecurity();
        int port = TestPorts.Free();
        int tlsPort = TestPorts.Free();
        using var cloud = BuildCloud(port, expectedGateways: 2, Seed(), security: security, tlsPort: tlsPort);
        await cloud.StartAsync();
        var topics = new TopicScheme();

        // The gateways require the cloud's signature: everything they receive below was signed by it.
        await using var gw1 = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = tlsPort, Password = security.Provision("gw-1"), Tls = security.ClientTls() }, "gw-1", topics, MemoryOutbox(), _folder.CloudKey, _folder.Errors.Logger("uplink"));
        await using var gw2 = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = tlsPort, Password = security.Provision("gw-2"), Tls = security.ClientTls() }, "gw-2", topics, MemoryOutbox(), _folder.CloudKey, _folder.Errors.Logger("uplink"));
        await gw1.StartAsync();
        await gw2.StartAsync();

        // The seed is published retained: a gateway that connects finds it at once.
        var seed = await gw1.WaitForGlobalAsync(0, Timeout);
        Assert.NotNull(seed);
        Assert.Equal("cloud", seed.Source);

        await UploadWhenConnectedAsync(gw1, new GatewayUpload("gw-1", "gw-1:1", 1, "m", 5, 100, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(1)));
        await UploadWhenConnectedAsync(gw2, new GatewayUpload("gw-2", "gw-2:1", 1, "m", 5, 300, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(5)));

        var global1 = await gw1.WaitForGlobalAsync(5, Timeout);
        var global2 = await gw2.WaitForGlobalAsync(5, Timeout);
        Assert.NotNull(global1);
        Assert.Equal(4f, global1.Model.Tensors[0].AsFloat32()[0], 5);
        Assert.Equal(global1.Model.Tensors[0].AsFloat32().ToArray(), global2!.Model.Tensors[0].AsFloat32().ToArray());
        Assert.Equal(400, global1.TotalSamples);

        // The cloud acknowledged each upload on the gateway's own acknowledgement topic (its rights at the
        // cloud broker allow that subscription): both outboxes are empty.
        await TestWait.UntilAsync(() => gw1.Delivered == 1 && gw2.Delivered == 1 && gw1.Outbox.Count == 0 && gw2.Outbox.Count == 0, "both uploads acknowledged", Timeout);
    }

    [Fact]
    public async Task TheCloudBroker_RefusesAnonymousClients_AndAGatewayUploadingAsAnother()
    {
        using var security = new TestSecurity();
        int port = TestPorts.Free();
        int tlsPort = TestPorts.Free();
        using var cloud = BuildCloud(port, expectedGateways: 2, Seed(), security: security, tlsPort: tlsPort);
        await cloud.StartAsync();
        var topics = new TopicScheme();
        string password = security.Provision("gw-1");
        security.Provision("gw-2");

        // Anonymous: never connects.
        await using var anonymous = new MqttConnection(new MqttConnectionOptions { Port = tlsPort, ClientId = "gw-1-uplink", Tls = security.ClientTls(), ReconnectMaxDelay = TimeSpan.FromMilliseconds(300) }, NullLogger.Instance);
        await anonymous.StartAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => anonymous.WaitConnectedAsync().WaitAsync(TimeSpan.FromSeconds(1.5)));

        // gw-1, authenticated, may not upload as gw-2, publish a global model, or read the uploads.
        await using var gw1 = new MqttConnection(new MqttConnectionOptions { Port = tlsPort, ClientId = "gw-1-uplink", Username = "gw-1", Password = password, Tls = security.ClientTls() }, NullLogger.Instance);
        await gw1.StartAsync();
        await gw1.WaitConnectedAsync().WaitAsync(Timeout);
        var upload = WireCodec.Encode(new GatewayUpload("gw-2", "gw-2:1", 1, "m", 5, 100, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(9)));
        var forged = await Assert.ThrowsAsync<MqttPublishRejectedException>(() => gw1.PublishAsync(topics.CloudUpload("gw-2"), upload, MqttQos.AtLeastOnce, retain: false));
        Assert.Equal("NotAuthorized", forged.ReasonCode);
        var global = await Assert.ThrowsAsync<MqttPublishRejectedException>(() => gw1.PublishAsync(topics.CloudGlobalModel, new byte[] { 0x80 }, MqttQos.AtLeastOnce, retain: true));
        Assert.Equal("NotAuthorized", global.ReasonCode);
        // Nor forge the cloud's acknowledgement of an upload, or read another gateway's acknowledgements.
        var ack = WireCodec.Encode(new UploadAck("gw-1", "gw-1:1", 1, UploadAck.Accepted));
        var forgedAck = await Assert.ThrowsAsync<MqttPublishRejectedException>(() => gw1.PublishAsync(topics.CloudAck("gw-1"), ack, MqttQos.AtLeastOnce, retain: false));
        Assert.Equal("NotAuthorized", forgedAck.ReasonCode);
        await gw1.SubscribeAsync(topics.CloudUploadFilter, MqttQos.AtLeastOnce, (_, _) => Task.CompletedTask);
        await gw1.SubscribeAsync(topics.CloudAck("gw-2"), MqttQos.AtLeastOnce, (_, _) => Task.CompletedTask);

        var worker = cloud.Services.GetServices<IHostedService>().OfType<CloudAggregatorWorker>().Single();
        await TestWait.UntilAsync(() => worker.Broker!.SubscriptionsRefused >= 2, "both subscriptions refused", Timeout);
        Assert.Equal(3, worker.Broker!.PublishesRefused);
        Assert.Equal(2, worker.Broker.SubscriptionsRefused);
        Assert.True(worker.Broker.ConnectionsRefused >= 1);
        Assert.Empty(cloud.Services.GetRequiredService<CloudAggregator>().RejectedByReason);
        Assert.Equal(0, cloud.Services.GetRequiredService<CloudAggregator>().Global!.Round);
    }

    [Fact]
    public async Task WaitForGlobal_ReturnsNull_OnTimeout()
    {
        await using var uplink = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = TestPorts.Free() }, "gw-1", new TopicScheme(), MemoryOutbox(), _folder.CloudKey, _folder.Errors.Logger("uplink"));
        await uplink.StartAsync();
        Assert.Null(await uplink.WaitForGlobalAsync(1, TimeSpan.FromMilliseconds(200)));

        // With the cloud unreachable, an upload is queued, not lost.
        await uplink.UploadAsync(new GatewayUpload("gw-1", "gw-1:1", 1, "m", 5, 1, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(1)));
        Assert.Equal(1, uplink.Outbox.Count);
    }

    [Fact]
    public async Task Cloud_RefusesBadOptions_NamingTheKey()
    {
        using var cloud = BuildCloud(0, expectedGateways: -1, Seed());
        _folder.Errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => cloud.StartAsync());
        Assert.Contains("Cloud:Port", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Cloud:ExpectedGateways", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cloud_WithoutAKeyFile_GeneratesOneInItsStateFolder_AndSignsWithIt()
    {
        int port = TestPorts.Free();
        string state = Path.Combine(_folder.Directory, "state");
        using var security = new TestSecurity();
        string password = security.Provision("gw-1");
        using var cloud = BuildCloud(port, expectedGateways: 1, Seed(), new() { ["Cloud:StateDirectory"] = state, ["Cloud:Signing:PrivateKeyPath"] = null, ["Cloud:CredentialsPath"] = security.CredentialsPath });
        await cloud.StartAsync();

        string key = Path.Combine(state, "cloud.key");
        TestKeys.AssertOwnerOnly(key);

        using var trusting = ModelVerifier.FromFile(Path.Combine(state, "cloud.pub"), requireSigned: true);
        await using var gw = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = port, Password = password }, "gw-1", new TopicScheme(), MemoryOutbox(), trusting, _folder.Errors.Logger("uplink"));
        await gw.StartAsync();
        Assert.NotNull(await gw.WaitForGlobalAsync(0, Timeout));
        await cloud.StopAsync();

        // The next start signs with the same key.
        using var again = BuildCloud(port, expectedGateways: 1, Seed(), new() { ["Cloud:StateDirectory"] = state, ["Cloud:Signing:PrivateKeyPath"] = null });
        Assert.Equal(trusting.TrustedKeyIds.Single(), again.Services.GetRequiredService<ModelSigner>().KeyId);
    }

    [Fact]
    public async Task Cloud_WithInMemoryStateAndNoKeyFile_RefusesToStart_NamingTheKey()
    {
        using var cloud = BuildCloud(TestPorts.Free(), expectedGateways: 1, Seed(), new() { ["Cloud:Signing:PrivateKeyPath"] = null });
        _folder.Errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => cloud.StartAsync());
        Assert.Contains("Cloud:Signing:PrivateKeyPath must be set when Cloud:StateDirectory is ':memory:'", ex.Message, StringComparison.Ordinal);

        using var missing = BuildCloud(TestPorts.Free(), expectedGateways: 1, Seed(), new() { ["Cloud:Signing:PrivateKeyPath"] = Path.Combine(_folder.Directory, "nope.key") });
        ex = await Assert.ThrowsAsync<OptionsValidationException>(() => missing.StartAsync());
        Assert.Contains("Cloud:Signing:PrivateKeyPath", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cloud_TakesARetainedGlobalModelFromTheBroker_OnlyIfItSignedIt()
    {
        // An external broker keeps retained messages across the aggregator's restarts; anyone who can
        // publish there could leave a model for the aggregator to adopt, re-sign and send everywhere.
        await using var broker = await Mosquitto.StartAsync();
        var topics = new TopicScheme();
        var external = new Dictionary<string, string?> { ["Cloud:EmbeddedBroker"] = "false" };
        await using var publisher = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "intruder" }, NullLogger.Instance);
        var published = System.Threading.Channels.Channel.CreateUnbounded<long>();
        await publisher.SubscribeAsync(topics.CloudGlobalModel, MqttQos.AtLeastOnce, (m, ct) =>
        {
            if (!m.Retain && _folder.CloudKey.TryDecode(m.Payload, DecodeLimits.Default, out var global, out _))
            {
                published.Writer.TryWrite(global.Round);
            }

            return Task.CompletedTask;
        });
        await publisher.StartAsync();
        await publisher.WaitConnectedAsync().WaitAsync(Timeout);

        using var intruder = _folder.Keys.Signer("intruder");
        foreach (byte[] forged in new[] { WireCodec.Encode(Global(9)), intruder.Encode(Global(9)) })
        {
            await publisher.PublishAsync(topics.CloudGlobalModel, forged, MqttQos.AtLeastOnce, retain: true);
            using var fooled = BuildCloud(broker.Port, expectedGateways: 1, Seed(), external);
            await fooled.StartAsync();

            // It publishes its current global model once it has looked at the retained one: its seed.
            Assert.Equal(0, await published.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
            Assert.Equal(0, fooled.Services.GetRequiredService<CloudAggregator>().Global!.Round);
            await fooled.StopAsync();
        }

        using (var signer = _folder.Keys.Signer("cloud"))
        {
            await publisher.PublishAsync(topics.CloudGlobalModel, signer.Encode(Global(9)), MqttQos.AtLeastOnce, retain: true);
        }

        Assert.Equal(9, await published.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        using var restarted = BuildCloud(broker.Port, expectedGateways: 1, Seed(), external);
        await restarted.StartAsync();
        Assert.Equal(9, await published.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal(9, restarted.Services.GetRequiredService<CloudAggregator>().Global!.Round);
    }

    internal static DurableOutbox MemoryOutbox() =>
        new(Storage.StateDatabase.Open(":memory:", DurableOutbox.Schema, NullLogger.Instance), new OutboxOptions(), NullLogger.Instance);

    private static async Task UploadWhenConnectedAsync(CloudUplink uplink, GatewayUpload upload)
    {
        await TestWait.UntilAsync(() => uplink.IsConnected, "the uplink connected", Timeout);
        await uplink.UploadAsync(upload);
    }

    private static ModelMessage Global(long round) => new("m", round, "cloud", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(round));

    private static StaticModelSeed Seed() => new(Global(0) with { Source = "seed" });

    private IHost BuildCloud(int port, int expectedGateways, IModelSeed seed, Dictionary<string, string?>? settings = null, TestSecurity? security = null, int tlsPort = 0) =>
        TestCloudHost.Build(_folder, port, expectedGateways, seed, settings, security, tlsPort);
}
