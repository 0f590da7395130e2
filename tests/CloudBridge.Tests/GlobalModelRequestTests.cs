using System.Buffers;
using System.Text;
using EdgeFL.CloudBridge.Link;
using EdgeFL.CloudBridge.Security;
using EdgeFL.CloudLink;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>The global model request and answer topics: who may use them, and what a request says.</summary>
public sealed class GlobalModelRequestTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TopicScheme _topics = new();
    private readonly CloudTestFolder _folder = new("edgefl-globalreq-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ProvisionedGatewaysOverMqtt311_OnTheEmbeddedCloudBroker_AskForTheGlobalWithinTheirRights_AndSync()
    {
        // As deployed (credentials, TLS, ACLs), with both uplinks speaking MQTT 3.1.1 to the embedded cloud broker.
        using var security = new TestSecurity();
        int tlsPort = TestPorts.Free();
        using var cloud = TestCloudHost.Build(_folder, TestPorts.Free(), expectedGateways: 1, new StaticModelSeed(new ModelMessage("m", 0, "seed", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0))), security: security, tlsPort: tlsPort);
        await cloud.StartAsync();
        CloudUplink Uplink(string id) => new(
            new CloudUplinkOptions { Enabled = true, Port = tlsPort, ProtocolVersion = "3.1.1", Password = security.Provision(id), Tls = security.ClientTls() },
            id, _topics, CloudServiceTests.MemoryOutbox(), _folder.CloudKey, _folder.Errors.Logger(id));

        await using var gw1 = Uplink("gw-1");
        await gw1.StartAsync();
        Assert.NotNull(await gw1.WaitForGlobalAsync(0, Timeout));
        await gw1.UploadAsync(RabbitMqTestBed.Upload("gw-1", 1));
        Assert.NotNull(await gw1.WaitForGlobalAsync(1, Timeout));
        await TestWait.UntilAsync(() => gw1.Outbox.Count == 0, "the upload acknowledged", Timeout);

        await using var gw2 = Uplink("gw-2");
        await gw2.StartAsync();
        Assert.NotNull(await gw2.WaitForGlobalAsync(1, Timeout));
        await TestWait.UntilAsync(() => gw1.GlobalRequests == 1 && gw2.GlobalRequests == 1, "each gateway asked once", Timeout);

        // Every request and subscription was within the gateways' rights at the cloud broker.
        var broker = cloud.Services.GetRequiredService<Link.GatewayLink>().Broker!;
        Assert.Equal(0, broker.PublishesRefused);
        Assert.Equal(0, broker.SubscriptionsRefused);
        await cloud.StopAsync();
    }

    [Fact]
    public void AGateway_MayAskOnlyAsItself_AndReadOnlyItsOwnAnswers()
    {
        var rules = new GatewayTopicRules(_topics);
        Assert.True(rules.MayPublish("gw-1", _topics.CloudGlobalRequest("gw-1")));
        Assert.False(rules.MayPublish("gw-1", _topics.CloudGlobalRequest("gw-2")));
        Assert.False(rules.MayPublish("gw-1", _topics.CloudGlobalFor("gw-1")));
        Assert.True(rules.MaySubscribe("gw-1", _topics.CloudGlobalFor("gw-1")));
        Assert.False(rules.MaySubscribe("gw-1", _topics.CloudGlobalFor("gw-2")));
        Assert.False(rules.MaySubscribe("gw-1", $"{_topics.Prefix}/cloud/models/+"));
        Assert.False(rules.MaySubscribe("gw-1", _topics.CloudGlobalRequestFilter));
    }

    [Fact]
    public void TheRequestTopic_NamesTheGateway()
    {
        Assert.Equal("gw-1", _topics.GatewayIdFromGlobalRequest(_topics.CloudGlobalRequest("gw-1")));
        Assert.Null(_topics.GatewayIdFromGlobalRequest($"{_topics.Prefix}/cloud/global-requests/a/b"));
        Assert.Null(_topics.GatewayIdFromGlobalRequest($"{_topics.Prefix}/cloud/global-requests/"));
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData("0", 0)]
    [InlineData("", -1)]
    [InlineData("-1", -1)]
    [InlineData("-5", -1)]
    [InlineData("x", -1)]
    [InlineData("123456789012345678901", -1)]
    public void ARequest_SaysTheRoundItHolds_AndAnythingElseAsksForTheModel(string payload, long held)
    {
        Assert.Equal(held, GlobalModelAnswers.HeldRound(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(payload))));
        if (held >= 0)
        {
            Assert.Equal(payload, Encoding.ASCII.GetString(GlobalModelRequester.Payload(held)));
        }
    }

    [Theory]
    [InlineData("ProtocolVersion", "4", "Cloud:ProtocolVersion must be '5' or '3.1.1'")]
    [InlineData("Endpoints", "nohost", "Cloud:Endpoints:0 must be host:port")]
    public void CloudValidator_RefusesABadLinkSetting_NamingTheKey(string key, string value, string message)
    {
        var options = new CloudAggregatorOptions { AllowAnonymous = true };
        if (key == "ProtocolVersion")
        {
            options.ProtocolVersion = value;
        }
        else
        {
            options.Endpoints = [value];
        }

        Assert.Contains(message, new CloudAggregatorOptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }
}
