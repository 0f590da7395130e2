using System.Globalization;
using EdgeFL.CloudLink;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>
/// A sync does not wait out Cloud:SyncDeadline for a gateway known not to upload: one whose uplink's last will
/// said offline (a crash), one that stopped (offline), or one whose rounds are done (idle). Cloud:SyncDeadline
/// is ten minutes here and the tests wait at most a minute for the global model: it can only come from the
/// presence, never from the deadline.
/// </summary>
public sealed class GatewayPresenceTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly CloudTestFolder _folder = new("edgefl-presence-");
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AGatewayKilledMidSync_ItsLastWillLetsTheSyncCompleteWithTheOthers()
    {
        using var security = new TestSecurity();
        int tlsPort = TestPorts.Free();
        using var cloud = BuildCloud(expectedGateways: 3, security, tlsPort);
        await cloud.StartAsync();
        var aggregator = cloud.Services.GetRequiredService<CloudAggregator>();
        await using var gw1 = Uplink("gw-1", security, tlsPort);
        await using var gw2 = Uplink("gw-2", security, tlsPort);
        await using var gw3 = Uplink("gw-3", security, tlsPort);
        foreach (var gw in new[] { gw1, gw2, gw3 })
        {
            await gw.StartAsync();
            Assert.NotNull(await gw.WaitForGlobalAsync(0, Timeout));
        }

        // Two of three are in: the sync waits for gw-3.
        await gw1.UploadAsync(Upload("gw-1", 100, 1));
        await gw2.UploadAsync(Upload("gw-2", 300, 5));
        await TestWait.UntilAsync(() => gw1.Delivered == 1 && gw2.Delivered == 1, "both uploads acknowledged", Timeout);
        Assert.Equal(0, aggregator.Global!.Round);

        // gw-3 dies without a DISCONNECT: the broker publishes its last will, and the sync closes without it.
        await gw3.DropLinkAsync();
        var global = await gw1.WaitForGlobalAsync(5, Timeout);
        Assert.NotNull(global);
        Assert.Equal(5, global.Round);
        Assert.Equal(400, global.TotalSamples);
        Assert.Equal(4f, global.Model.Tensors[0].AsFloat32()[0], 5);
        Assert.Equal(1, aggregator.Metrics.ClosedWithoutAbsent);
        await cloud.StopAsync();
    }

    [Fact]
    public async Task AGatewayThatStops_SaysOffline_AndTheSyncDoesNotWaitForIt()
    {
        using var security = new TestSecurity();
        int tlsPort = TestPorts.Free();
        using var cloud = BuildCloud(expectedGateways: 2, security, tlsPort);
        await cloud.StartAsync();
        await using var gw1 = Uplink("gw-1", security, tlsPort);
        await using var gw2 = Uplink("gw-2", security, tlsPort);
        await gw1.StartAsync();
        await gw2.StartAsync();
        Assert.NotNull(await gw2.WaitForGlobalAsync(0, Timeout));

        await gw1.UploadAsync(Upload("gw-1", 100, 3));
        await TestWait.UntilAsync(() => gw1.Delivered == 1, "gw-1's upload acknowledged", Timeout);
        await gw2.StopAsync();

        var global = await gw1.WaitForGlobalAsync(5, Timeout);
        Assert.NotNull(global);
        Assert.Equal(100, global.TotalSamples);
        await cloud.StopAsync();
    }

    [Fact]
    public void AnIdleGateway_IsNotWaitedFor_UntilItIsOnlineAgain_AndNoSyncClosesWithoutAnUpload()
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 3, SyncDeadline = TimeSpan.FromMinutes(10) }, NullLogger.Instance, _time);
        aggregator.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0)));

        // Two gateways said they will not upload: nothing to close without an upload.
        Assert.True(aggregator.OnPresence("gw-2", GatewayPresence.Idle));
        Assert.True(aggregator.OnPresence("gw-3", GatewayPresence.Offline));
        Assert.False(aggregator.OnPresence("gw-3", GatewayPresence.Offline));
        Assert.Empty(aggregator.CloseDue());

        // gw-3 is back: the sync waits for it again, and closes when it is in (gw-2 is still idle).
        Assert.False(aggregator.OnPresence("gw-3", GatewayPresence.Online));
        aggregator.OnUpload("gw-1", CloudAggregatorTests.Upload("gw-1", 1, 5, 100, CloudAggregatorTests.Filled(2)));
        Assert.Empty(aggregator.CloseDue());
        aggregator.OnUpload("gw-3", CloudAggregatorTests.Upload("gw-3", 1, 5, 100, CloudAggregatorTests.Filled(4)));
        var (global, gateways) = Assert.Single(aggregator.CloseDue());
        Assert.Equal(2, gateways);
        Assert.Equal(3f, global.Model.Tensors[0].AsFloat32()[0], 5);

        // It closed without the idle gw-2, before its deadline: counted.
        Assert.Equal(1, aggregator.Metrics.ClosedWithoutAbsent);
    }

    [Fact]
    public void PresencePayloads_RoundTrip_AndAnythingElseIsIgnored()
    {
        foreach (var presence in Enum.GetValues<GatewayPresence>())
        {
            Assert.True(GatewayPresenceCodec.TryDecode(new(GatewayPresenceCodec.Encode(presence)), out var back));
            Assert.Equal(presence, back);
        }

        Assert.False(GatewayPresenceCodec.TryDecode(new("ONLINE"u8.ToArray()), out _));
        Assert.False(GatewayPresenceCodec.TryDecode(new(new byte[17]), out _));
        Assert.False(GatewayPresenceCodec.TryDecode(new([]), out _));
        Assert.Equal("gw-7", new TopicScheme().GatewayIdFromStatus(new TopicScheme().CloudGatewayStatus("gw-7")));
        Assert.Null(new TopicScheme().GatewayIdFromStatus("edgefl/v1/cloud/status/a/b"));
    }

    private CloudUplink Uplink(string id, TestSecurity security, int tlsPort) =>
        new(new CloudUplinkOptions { Enabled = true, Port = tlsPort, Password = security.Provision(id), Tls = security.ClientTls() }, id, new TopicScheme(), CloudServiceTests.MemoryOutbox(), _folder.CloudKey, _folder.Errors.Logger("uplink"));

    private static GatewayUpload Upload(string gateway, long samples, float value) =>
        new(gateway, gateway + ":1", 1, "m", 5, samples, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(value));

    private IHost BuildCloud(int expectedGateways, TestSecurity security, int tlsPort) =>
        TestCloudHost.Build(
            _folder,
            TestPorts.Free(),
            expectedGateways,
            new StaticModelSeed(new ModelMessage("m", 0, "seed", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0))),
            new() { ["Cloud:SyncDeadline"] = TimeSpan.FromMinutes(10).ToString("c", CultureInfo.InvariantCulture) },
            security,
            tlsPort);
}
