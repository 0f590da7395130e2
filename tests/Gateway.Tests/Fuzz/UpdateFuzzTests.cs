using EdgeFL.Core.Validation;
using EdgeFL.Tests.Shared;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// Ingress 1, device updates: 10,000 mutated and random payloads (fixed seed) through the gateway's real
/// handling path (size check, decoding with limits, UpdateValidator, the norm bound, the RoundCoordinator's
/// running sum), on three coordinators taking turns by round: without a norm bound (the default), with
/// NormPolicy Reject and with Clip. See <see cref="UpdateLane"/>
/// for the oracle. Afterwards a round of valid updates still gives the exact weighted average.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class UpdateFuzzTests(ITestOutputHelper output)
{
    private const int PerRound = 40;

    [Fact]
    public void MutatedUpdates_NeverCrash_NeverCount_UnlessSound_AndValidRoundsStillAverage()
    {
        var metrics = new GatewayMetrics();
        UpdateLane[] lanes = [new(0, NormPolicy.Clip, metrics), new(3.0, NormPolicy.Reject, metrics), new(3.0, NormPolicy.Clip, metrics)];
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        int iterations = FuzzCampaign.Iterations();
        UpdateLane lane = lanes[0];
        List<(byte[] Payload, string Device)> seeds = [];
        List<byte[]> corpus = [];

        var result = FuzzCampaign.Run(
            iterations,
            i =>
            {
                if (i % PerRound == 0)
                {
                    if (i > 0)
                    {
                        lane.CloseRound();
                    }

                    lane = lanes[i / PerRound % lanes.Length];
                    seeds = lane.BeginRound(mutator.Random);
                    corpus = seeds.Select(s => s.Payload).ToList();
                }

                byte[] input = mutator.Next(corpus, out string how, out int seed);
                // Mostly the topic of the device the seed came from; sometimes another device's.
                string device = seed < 0 || mutator.Random.Next(10) == 0 ? $"dev-{mutator.Random.Next(UpdateLane.Devices):00}" : seeds[seed].Device;
                return new FuzzCase(input, how, device);
            },
            c => lane.Offer(c.Target, c.Bytes));
        lane.CloseRound();

        output.WriteLine($"update ingress: {result}; rejections {string.Join(", ", metrics.RejectedByReason.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"))}; clipped {metrics.Clipped}; aggregates refused {metrics.AggregatesRefused}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0, result.ToString());
        Assert.True(metrics.Clipped > 0 && metrics.RejectedByReason.GetValueOrDefault("NormTooLarge") > 0, "both norm policies were exercised");

        foreach (var l in lanes)
        {
            AssertAValidRoundAverages(l);
        }
    }

    private static void AssertAValidRoundAverages(UpdateLane lane)
    {
        var rng = new Random(7);
        var valid = lane.BeginRound(rng);
        var model = lane.Coordinator.Snapshot(0).Model;
        int accepted = 0;
        foreach (var (payload, device) in valid)
        {
            accepted += lane.Offer(device, payload) ? 1 : 0;
        }

        Assert.True(accepted >= 3, $"only {accepted} of the valid seeds were accepted");
        lane.CloseRound();
        Assert.NotSame(model, lane.Coordinator.Snapshot(0).Model);
    }
}
