using System.Diagnostics;
using EdgeFL.CloudLink;
using EdgeFL.Tests.Shared;
using Xunit.Abstractions;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>
/// A two-node RabbitMQ cluster (two node names, two MQTT ports, one cookie) started by the test: the gateways
/// connect to node A (their uplinks list A then B), the cloud to node B. Node A is killed (SIGKILL) in the middle
/// of a sync: the gateways move to B, every upload is applied exactly once, and the global model reaches every
/// gateway. The time from the node's death to the completed sync is printed (docs/PERFORMANCE.md).
/// </summary>
public sealed class RabbitMqClusterTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly CloudTestFolder _folder = new("edgefl-rabbit-cluster-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ANodeKilledMidSync_GatewaysFailOverToTheOther_EachUploadAppliedOnce_AndTheGlobalReachesEveryGateway()
    {
        await using var cluster = await RabbitMqCluster.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var bed = new RabbitMqTestBed(_folder);
        string[] ids = ["gw-1", "gw-2", "gw-3"];
        using var cloud = bed.Cloud(expectedGateways: ids.Length, b.MqttPort);
        await cloud.StartAsync();
        var gateways = new List<CloudUplink>();
        try
        {
            foreach (string id in ids)
            {
                var uplink = bed.Uplink(id, a.MqttPort, b.MqttPort);
                gateways.Add(uplink);
                await uplink.StartAsync();
            }

            // Sync 1, all on their first nodes: gateways on A, the cloud on B (node B's retained global is not on A).
            foreach (var gw in gateways)
            {
                Assert.NotNull(await gw.WaitForGlobalAsync(0, Timeout));
                Assert.Equal(a.MqttPort, gw.Endpoint.Port);
            }

            foreach (var (gw, id) in gateways.Zip(ids))
            {
                await gw.UploadAsync(RabbitMqTestBed.Upload(id, 1));
            }

            foreach (var gw in gateways)
            {
                Assert.NotNull(await gw.WaitForGlobalAsync(1, Timeout));
            }

            await TestWait.UntilAsync(() => gateways.All(g => g.Outbox.Count == 0), "sync 1's uploads acknowledged", Timeout);
            var aggregator = RabbitMqTestBed.Aggregator(cloud);
            Assert.Equal(3, aggregator.Metrics.Accepted);

            // Sync 2: the first gateway's upload is applied, then node A dies; the others upload while their link is down.
            await gateways[0].UploadAsync(RabbitMqTestBed.Upload(ids[0], 2));
            await TestWait.UntilAsync(() => aggregator.Metrics.Accepted == 4, "the first upload of sync 2 applied", Timeout);
            var clock = Stopwatch.StartNew();
            await a.KillAsync();
            var killed = clock.Elapsed;
            for (int i = 1; i < gateways.Count; i++)
            {
                await gateways[i].UploadAsync(RabbitMqTestBed.Upload(ids[i], 2));
            }

            foreach (var gw in gateways)
            {
                Assert.True(await gw.WaitForGlobalAsync(2, Timeout) is not null, "global model of sync 2 at every gateway; the log:\n" + string.Join('\n', bed.Lines.Take(200)) + "\nnode B:\n" + b.LogTail(150));
            }

            var synced = clock.Elapsed;
            await TestWait.UntilAsync(() => gateways.All(g => g.Outbox.Count == 0), "sync 2's uploads acknowledged", Timeout);
            output.WriteLine($"node {a.Name} killed (SIGKILL, {killed.TotalMilliseconds:F0} ms to exit); global model of sync 2 at all {gateways.Count} gateways {synced.TotalSeconds:F2} s after the kill; duplicates the cloud refused: {RabbitMqTestBed.Duplicates(cloud)}");

            // Exactly once: six uploads applied, whatever was sent again across the failover; all gateways now on B.
            Assert.Equal(6, aggregator.Metrics.Accepted);
            Assert.Equal(2, aggregator.Global!.Round);
            Assert.All(gateways, g => Assert.Equal(b.MqttPort, g.Endpoint.Port));
            // An upload whose ack died with node A is sent again and answered as applied (duplicate), even after its sync closed: none dead-lettered.
            Assert.All(gateways, g => Assert.Equal(0, g.Outbox.DeadLetterCount));
            Assert.All(gateways, g => Assert.Equal(2, g.Delivered));
            await cloud.StopAsync();
        }
        finally
        {
            foreach (var gw in gateways)
            {
                await gw.DisposeAsync();
            }
        }
    }
}
