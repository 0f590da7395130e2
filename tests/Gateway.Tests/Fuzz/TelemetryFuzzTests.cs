using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.Selection;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// Ingress 2, device telemetry: 10,000 mutated and random payloads through the gateway's telemetry
/// handler (FleetTelemetry, the fleet view energy-aware selection reads). A report is kept exactly
/// when it decodes, names the topic's device, is not dated ahead of the gateway's clock (beyond
/// <see cref="FleetTelemetry.MaxAhead"/>) and is not older than the one held; what is kept must be
/// plainly sound (battery in [0, 1], tier 0..2, finite non-negative figures, finite volts and amps);
/// everything else is counted as rejected and changes nothing.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class TelemetryFuzzTests(ITestOutputHelper output)
{
    private const string Gateway = "gw";
    private static readonly TopicScheme Topics = new();
    private static readonly ManualTimeProvider Clock = new();
    private static readonly DecodeLimits Limits = DecodeLimits.Default with { MaxPayloadBytes = 16 * 1024, MaxTensors = 0 };

    [Fact]
    public void MutatedTelemetry_IsKept_OnlyWhenSound()
    {
        var fleet = new FleetTelemetry(new GatewayOptions { GatewayId = Gateway }, NullLogger<FleetTelemetry>.Instance, Clock);
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        var seeds = Enumerable.Range(0, 8).Select(k => Seed(k, mutator.Random)).ToList();
        var corpus = seeds.Select(s => s.Payload).ToList();

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ =>
            {
                byte[] input = mutator.Next(corpus, out string how, out int seed);
                string device = seed < 0 || mutator.Random.Next(10) == 0 ? $"dev-{mutator.Random.Next(8)}" : seeds[seed].Device;
                return new FuzzCase(input, how, device);
            },
            c => Offer(fleet, c.Target, c.Bytes));

        output.WriteLine($"telemetry ingress: {result}; rejected by the gateway {fleet.Rejected}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && fleet.Rejected > 0, result.ToString());

        // A sound report still lands afterwards: no fuzzed report pinned the device with a timestamp far ahead.
        var fresh = new DeviceTelemetry("dev-0", DateTimeOffset.FromUnixTimeMilliseconds(Clock.GetUtcNow().ToUnixTimeMilliseconds()), 0.5, true, true, 10, 1, 5, 100);
        Assert.True(Offer(fleet, "dev-0", WireCodec.Encode(fresh)));
        Assert.Equal(fresh, fleet.Get("dev-0"));
    }

    private static (byte[] Payload, string Device) Seed(int k, Random rng)
    {
        string device = $"dev-{k}";
        var telemetry = new DeviceTelemetry(
            device,
            DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000 + rng.Next()),
            rng.NextDouble(),
            k % 2 == 0,
            k % 3 == 0,
            rng.NextDouble() * 1000,
            k % 3,
            rng.NextDouble() * 300,
            rng.NextDouble() * 512,
            k % 2 == 0 ? 3.3 + rng.NextDouble() : null,
            k % 4 == 0 ? rng.NextDouble() - 0.5 : null);
        return (WireCodec.Encode(telemetry), device);
    }

    /// <summary>One report on <paramref name="device"/>'s topic; true when the gateway kept it.</summary>
    private static bool Offer(FleetTelemetry fleet, string device, byte[] payload)
    {
        var before = fleet.Get(device);
        long rejected = fleet.Rejected;
        fleet.OnMessageAsync(new InboundMessage(Topics.DeviceTelemetry(Gateway, device), new ReadOnlySequence<byte>(payload), Retain: true), CancellationToken.None).GetAwaiter().GetResult();
        var after = fleet.Get(device);

        bool valid = WireCodec.TryDecodeTelemetry(new ReadOnlySequence<byte>(payload), Limits, out var report, out _)
            && report!.DeviceId == device && report.At <= Clock.GetUtcNow() + FleetTelemetry.MaxAhead;
        Assert.Equal(valid ? rejected : rejected + 1, fleet.Rejected);
        if (!valid)
        {
            Assert.Same(before, after);
            return false;
        }

        if (before is not null && report!.At < before.At)
        {
            Assert.Same(before, after); // older than what is held
            return false;
        }

        Assert.Equal(report, after);
        AssertSound(after!);
        return true;
    }

    private static void AssertSound(DeviceTelemetry t)
    {
        Assert.InRange(t.BatteryLevel, 0, 1);
        Assert.InRange(t.ComputeTier, 0, 2);
        Assert.True(double.IsFinite(t.BandwidthKbps) && t.BandwidthKbps >= 0, $"bandwidth {t.BandwidthKbps}");
        Assert.True(double.IsFinite(t.EstimatedTrainingSeconds) && t.EstimatedTrainingSeconds >= 0, $"training estimate {t.EstimatedTrainingSeconds}");
        Assert.True(double.IsFinite(t.FreeMemoryMb) && t.FreeMemoryMb >= 0, $"free memory {t.FreeMemoryMb}");
        Assert.True(t.Volts is null || double.IsFinite(t.Volts.Value), $"volts {t.Volts}");
        Assert.True(t.Amps is null || double.IsFinite(t.Amps.Value), $"amps {t.Amps}");
    }
}
