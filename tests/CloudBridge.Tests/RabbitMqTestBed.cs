using System.Globalization;
using EdgeFL.CloudLink;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>The pieces the RabbitMQ tests share: a cloud and gateway uplinks speaking MQTT 3.1.1 to external broker endpoints, each test on its own topic prefix.</summary>
internal sealed class RabbitMqTestBed(CloudTestFolder folder)
{
    /// <summary>Every service's log lines (Debug and up), for a failing test's message.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    public TopicScheme Topics => new(Prefix);

    /// <summary>A cloud aggregator on the external broker at <paramref name="endpoints"/>, over MQTT 3.1.1, seeded with round 0.</summary>
    public IHost Cloud(int expectedGateways, params int[] endpoints)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:EmbeddedBroker"] = "false",
            ["Cloud:ProtocolVersion"] = "3.1.1",
            ["Cloud:TopicPrefix"] = Prefix,
            ["Cloud:ClientId"] = Prefix + "-cloud",
        };
        for (int i = 0; i < endpoints.Length; i++)
        {
            settings[$"Cloud:Endpoints:{i}"] = $"127.0.0.1:{endpoints[i]}";
        }

        return TestCloudHost.Build(folder, endpoints[0], expectedGateways, new StaticModelSeed(new ModelMessage("m", 0, "seed", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0))), settings, log: new LineLoggerProvider(Lines, "cloud", minimumLevel: Microsoft.Extensions.Logging.LogLevel.Debug));
    }

    /// <summary>A gateway's uplink over MQTT 3.1.1 to <paramref name="endpoints"/>, tried in that order.</summary>
    public CloudUplink Uplink(string gatewayId, params int[] endpoints) =>
        new(
            new CloudUplinkOptions
            {
                Enabled = true,
                ProtocolVersion = "3.1.1",
                Endpoints = [.. endpoints.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture))],
                ClientId = $"{Prefix}-{gatewayId}",
            },
            gatewayId,
            Topics,
            CloudServiceTests.MemoryOutbox(),
            folder.CloudKey,
            Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(folder.Errors.For(gatewayId)).AddProvider(new LineLoggerProvider(Lines, gatewayId, minimumLevel: Microsoft.Extensions.Logging.LogLevel.Debug)).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug)).CreateLogger("uplink"));

    public static GatewayUpload Upload(string gatewayId, long round) =>
        new(gatewayId, GatewayUpload.MakeUploadId(gatewayId, round), round, "m", round, 100, DateTimeOffset.UtcNow, CloudAggregatorTests.Filled(round + 1));

    public static CloudAggregator Aggregator(IHost cloud) => cloud.Services.GetRequiredService<CloudAggregator>();

    public static long Duplicates(IHost cloud) => Aggregator(cloud).RejectedByReason.TryGetValue(nameof(Core.Rounds.AdmissionOutcome.Duplicate), out long n) ? n : 0;
}
