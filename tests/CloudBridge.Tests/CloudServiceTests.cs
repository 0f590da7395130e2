using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeFL.CloudBridge.Tests;

public sealed class CloudServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Uplinks_UploadWithQos1_AndReceiveTheRetainedGlobalModel()
    {
        // As deployed: the gateways are provisioned at the cloud and come in over TLS with their credentials.
        using var security = new TestSecurity();
        int port = TestPorts.Free();
        int tlsPort = TestPorts.Free();
        using var cloud = BuildCloud(port, expectedGateways: 2, new StaticModelSeed(new ModelMessage("m", 0, "seed", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0))), security, tlsPort);
        await cloud.StartAsync();
        var topics = new TopicScheme();
        await using var gw1 = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = tlsPort, Password = security.Provision("gw-1"), Tls = security.ClientTls() }, "gw-1", topics, MemoryOutbox(), NullLogger.Instance);
        await using var gw2 = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = tlsPort, Password = security.Provision("gw-2"), Tls = security.ClientTls() }, "gw-2", topics, MemoryOutbox(), NullLogger.Instance);
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
    }

    [Fact]
    public async Task WaitForGlobal_ReturnsNull_OnTimeout()
    {
        await using var uplink = new CloudUplink(new CloudUplinkOptions { Enabled = true, Port = TestPorts.Free() }, "gw-1", new TopicScheme(), MemoryOutbox(), NullLogger.Instance);
        await uplink.StartAsync();
        Assert.Null(await uplink.WaitForGlobalAsync(1, TimeSpan.FromMilliseconds(200)));

        // With the cloud unreachable, an upload is queued, not lost.
        await uplink.UploadAsync(new GatewayUpload("gw-1", "gw-1:1", 1, "m", 5, 1, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(1)));
        Assert.Equal(1, uplink.Outbox.Count);
    }

    [Fact]
    public async Task Cloud_RefusesBadOptions_NamingTheKey()
    {
        using var cloud = BuildCloud(0, expectedGateways: -1, new StaticModelSeed(new ModelMessage("m", 0, "seed", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0))));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => cloud.StartAsync());
        Assert.Contains("Cloud:Port", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Cloud:ExpectedGateways", ex.Message, StringComparison.Ordinal);
    }

    internal static Outbox.DurableOutbox MemoryOutbox() =>
        new(Storage.StateDatabase.Open(":memory:", Outbox.DurableOutbox.Schema, NullLogger.Instance), new Outbox.OutboxOptions(), NullLogger.Instance);

    private static async Task UploadWhenConnectedAsync(CloudUplink uplink, GatewayUpload upload)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!uplink.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await uplink.UploadAsync(upload);
    }

    private static IHost BuildCloud(int port, int expectedGateways, IModelSeed seed, TestSecurity? security = null, int tlsPort = 0)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:StateDirectory"] = ":memory:",
            ["Cloud:ExpectedGateways"] = expectedGateways.ToString(CultureInfo.InvariantCulture),
        };
        if (security is not null)
        {
            settings["Cloud:CredentialsPath"] = security.CredentialsPath;
            security.AddListenerTls(settings, "Cloud:Tls", tlsPort);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(seed);
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        return builder.Build();
    }
}
