using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.CloudBridge.Tests.Fuzz;

/// <summary>
/// Ingress 4, the gateways' uploads: 10,000 mutated and random payloads through CloudAggregator.OnUpload
/// (size check, decoding, gateway id, duplicates, staleness, sample bounds, layout and finite values, the
/// norm bound, open-round limit), in batches of 40 on fresh aggregators taking turns: without a norm
/// bound, with Reject and with Clip. See <see cref="UploadLane"/> for the oracle. Afterwards a sync round
/// of valid uploads still publishes their exact weighted mean.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class UploadFuzzTests(ITestOutputHelper output)
{
    private const int PerBatch = 40;

    [Fact]
    public void MutatedUploads_NeverCrash_NeverCount_UnlessSound()
    {
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        (double, NormPolicy)[] bounds = [(0, NormPolicy.Clip), (4, NormPolicy.Reject), (4, NormPolicy.Clip)];
        long sequence = 0;
        UploadLane? lane = null;
        var rejected = new Dictionary<string, long>();

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            i =>
            {
                if (i % PerBatch == 0)
                {
                    Finish(lane, rejected);
                    var (maxNorm, policy) = bounds[i / PerBatch % bounds.Length];
                    lane = new UploadLane(maxNorm, policy, mutator.Random, ref sequence);
                }

                byte[] input = mutator.Next(lane!.Seeds.Select(s => s.Payload).ToList(), out string how, out int seed);
                string gateway = seed < 0 || mutator.Random.Next(10) == 0 ? $"gw-{mutator.Random.Next(UploadLane.Gateways)}" : lane.Seeds[seed].Gateway;
                return new FuzzCase(input, how, gateway);
            },
            c => lane!.Offer(c.Target, c.Bytes));
        Finish(lane, rejected);

        output.WriteLine($"upload ingress: {result}; rejections {string.Join(", ", rejected.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"))}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0, result.ToString());
        Assert.True(rejected.GetValueOrDefault("NormTooLarge") > 0 && rejected.GetValueOrDefault("TooManyRounds") > 0, "the norm bound and the round limit were exercised");

        // A valid sync round afterwards.
        var clean = new UploadLane(4, NormPolicy.Clip, new Random(3), ref sequence);
        int accepted = clean.Seeds.Count(s => clean.Offer(s.Gateway, s.Payload));
        Assert.True(accepted >= 3, $"only {accepted} valid uploads were accepted");
        clean.Complete();
    }

    private static void Finish(UploadLane? lane, Dictionary<string, long> rejected)
    {
        if (lane is null)
        {
            return;
        }

        lane.Complete();
        foreach (var (reason, n) in lane.Aggregator.RejectedByReason)
        {
            rejected[reason] = rejected.GetValueOrDefault(reason) + n;
        }
    }

    /// <summary>
    /// The cloud's own model ingress: a retained global model found on the broker at start (and the seed
    /// file's model) goes to CloudAggregator.Adopt. 10,000 mutated payloads: adopted exactly when fit.
    /// </summary>
    [Fact]
    public void MutatedRetainedGlobals_AreAdopted_OnlyWhenFit()
    {
        var mutator = new FuzzMutator(FuzzCampaign.Seed + 1);
        var limits = DecodeLimits.Default with { MaxPayloadBytes = new CloudAggregatorOptions().MaxUploadBytes };
        var start = CloudAggregatorTests.Filled(1);
        var seeds = Enumerable.Range(0, 8).Select(k => WireCodec.Encode(new ModelMessage("m", 3 + k, "cloud", k, DateTimeOffset.UnixEpoch, ModelOracle.Perturbed(start, mutator.Random)))).ToList();
        CloudAggregator? aggregator = null;

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            i =>
            {
                if (i % 50 == 0)
                {
                    aggregator = new CloudAggregator(new CloudAggregatorOptions(), NullLogger.Instance, new ManualTimeProvider());
                    if (i % 100 == 0)
                    {
                        aggregator.Adopt(new ModelMessage("m", 2, "cloud", 0, DateTimeOffset.UnixEpoch, start));
                    }
                }

                return new FuzzCase(mutator.Next(seeds, out string how), how);
            },
            c =>
            {
                // CloudAggregatorWorker.OnRetainedGlobalAsync: decoded with the upload limit, then offered.
                if (!WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(c.Bytes), limits, out var global, out _))
                {
                    return false;
                }

                var before = aggregator!.Global;
                bool taken = aggregator.Adopt(global!).IsAccepted && !ReferenceEquals(before, aggregator.Global);
                bool newer = before is null || global!.Round > before.Round;
                string? unfit = ModelOracle.Unfit(global!.Model, global.Round, before?.Model);
                Assert.True(taken == (newer && unfit is null), taken ? $"adopted an unfit or older model ({unfit})" : "refused a fit, newer model");
                return taken;
            });

        output.WriteLine($"cloud retained-global ingress: {result}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0, result.ToString());
    }
}
