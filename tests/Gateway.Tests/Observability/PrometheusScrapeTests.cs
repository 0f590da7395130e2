using System.Globalization;
using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Observability;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.Observability;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Tests.Observability;

/// <summary>
/// Debian's real Prometheus scrapes a running gateway and cloud aggregator (their observability listeners on
/// free loopback ports): the series the test caused come back from Prometheus' HTTP API with their values.
/// </summary>
public sealed class PrometheusScrapeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly GatewayHarness _harness = new();
    private readonly ErrorLog _cloudErrors = new();
    private readonly TopicScheme _topics = new();

    public void Dispose()
    {
        _harness.Dispose();
        _cloudErrors.Dispose();
    }

    [Fact]
    public async Task Prometheus_ScrapesGatewayAndCloud_RoundsClosedAndUpdatesAccepted()
    {
        const int AnsweredRounds = 2;
        var keys = new TestKeys(Path.Combine(_harness.Directory, "keys"));
        await using var cloudBroker = await Mosquitto.StartAsync();
        string modelPath = Path.Combine(_harness.Directory, "cloud-initial.efm");
        await ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0)));
        int cloudHttp = TestPorts.Free();
        int gatewayHttp = TestPorts.Free();

        using var cloud = BuildCloud(cloudBroker.Port, modelPath, keys, cloudHttp);
        await cloud.StartAsync();

        // One device, quorum 1: it answers rounds 1 and 2; round 3 then waits (a 5-minute deadline), so the counts stay put.
        int port = TestPorts.Free();
        var (gateway, observer) = await _harness.StartAsync(port, maxRounds: 0, quorum: 1.0, deadline: TimeSpan.FromMinutes(5), new Dictionary<string, string?>
        {
            ["Gateway:Rounds:SyncEvery"] = "1",
            ["Gateway:Cloud:Enabled"] = "true",
            ["Gateway:Cloud:Port"] = cloudBroker.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Signing:CloudPublicKeyPath"] = keys.PublicKey("cloud"),
            ["Observability:Port"] = gatewayHttp.ToString(CultureInfo.InvariantCulture),
        }, (services, configuration) => services.AddEdgeFlGatewayObservability(configuration));
        using var disposeGateway = gateway;
        await using var device = await _harness.DeviceAsync(port, "dev-a", async (conn, model, ct) =>
        {
            if (model.Round <= AnsweredRounds)
            {
                var update = TestModels.Update("dev-a", model.Round, 100, TestModels.Filled(model.Round));
                await conn.PublishAsync(_topics.DeviceUpdate("gw", "dev-a"), WireCodec.Encode(update), MqttQos.AtLeastOnce, false, ct);
            }
        });
        var cloudMetrics = cloud.Services.GetRequiredService<CloudMetrics>();
        await TestWait.UntilAsync(() => observer.Rounds.Count >= AnsweredRounds && cloudMetrics.Accepted >= AnsweredRounds, "two rounds closed and uploaded", Timeout);

        await using var prometheus = await Prometheus.StartAsync(
        [
            ("gateway", $"127.0.0.1:{gatewayHttp}", null),
            ("cloud", $"127.0.0.1:{cloudHttp}", null),
        ]);

        try
        {
            await prometheus.WaitForValueAsync("up{job=\"gateway\"}", 1, Timeout);
            await prometheus.WaitForValueAsync("up{job=\"cloud\"}", 1, Timeout);
            await prometheus.WaitForValueAsync("edgefl_gateway_rounds_total{job=\"gateway\",edgefl_gateway_id=\"gw\"}", AnsweredRounds, Timeout);
            await prometheus.WaitForValueAsync("edgefl_gateway_rounds_closed_total{job=\"gateway\",reason=\"Quorum\"}", AnsweredRounds, Timeout);
            await prometheus.WaitForValueAsync("edgefl_gateway_updates_accepted_total{job=\"gateway\"}", AnsweredRounds, Timeout);
            await prometheus.WaitForValueAsync("edgefl_gateway_devices_online{job=\"gateway\"}", 1, Timeout);
            await prometheus.WaitForValueAsync("edgefl_gateway_device_battery_ratio{job=\"gateway\",edgefl_device_id=\"dev-a\"}", 1, Timeout);
            await prometheus.WaitForValueAsync("edgefl_gateway_round_duration_seconds_count{job=\"gateway\"}", AnsweredRounds, Timeout);
            await prometheus.WaitForValueAsync("edgefl_gateway_uploads_delivered_total{job=\"gateway\"}", AnsweredRounds, Timeout);
            await prometheus.WaitForValueAsync("edgefl_cloud_uploads_accepted_total{job=\"cloud\"}", AnsweredRounds, Timeout);
            await prometheus.WaitForValueAsync("edgefl_cloud_global_models_published_total{job=\"cloud\"}", AnsweredRounds, Timeout);
        }
        catch (TimeoutException ex)
        {
            // What the gateway counted and exposed of its updates at that moment (a rare failure in CI, cause not found: the
            // gateway's updates_accepted series absent from Prometheus for 90 s while its other series were there).
            long accepted = gateway.Services.GetRequiredService<GatewayMetrics>().Accepted;
            throw new TimeoutException($"{ex.Message}\nin process: {accepted} update(s) accepted\n{await ExpositionAsync(gatewayHttp, "edgefl_gateway_updates")}", ex);
        }

        // The process's own memory and GC come through the runtime instrumentation.
        var rss = await prometheus.QueryAsync("dotnet_process_memory_working_set_bytes{job=\"gateway\"}");
        Assert.True(rss.Count == 1 && rss.Values.Single() > 1e6, $"working set: {string.Join(", ", rss)}");
        Assert.NotEmpty(await prometheus.QueryAsync("dotnet_gc_collections_total{job=\"cloud\"}"));

        // The same counts the services hold in process.
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        Assert.Equal(AnsweredRounds, metrics.Rounds);
        Assert.Equal(AnsweredRounds, metrics.Accepted);
        Assert.Equal(AnsweredRounds, cloudMetrics.Accepted);
        await gateway.StopAsync();
        await cloud.StopAsync();
    }

    /// <summary>The lines of a service's <c>/metrics</c> text that mention <paramref name="family"/> (or why there are none).</summary>
    private static async Task<string> ExpositionAsync(int port, string family)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            var lines = text.Split('\n').Where(l => l.Contains(family, StringComparison.Ordinal)).ToList();
            return $"/metrics on port {port}: {text.Length} characters, {lines.Count} line(s) with {family}:\n" + string.Join('\n', lines);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return $"/metrics on port {port} could not be read: {e.Message}";
        }
    }

    private IHost BuildCloud(int brokerPort, string modelPath, TestKeys keys, int httpPort)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:EmbeddedBroker"] = "false",
            ["Cloud:Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
            ["Cloud:ExpectedGateways"] = "1",
            ["Cloud:InitialModelPath"] = modelPath,
            ["Cloud:StateDirectory"] = ":memory:",
            ["Cloud:Signing:PrivateKeyPath"] = keys.PrivateKey("cloud"),
            ["Observability:Port"] = httpPort.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.AddProvider(_cloudErrors.For("cloud"));
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        builder.Services.AddEdgeFlCloudObservability(builder.Configuration);
        return builder.Build();
    }
}
