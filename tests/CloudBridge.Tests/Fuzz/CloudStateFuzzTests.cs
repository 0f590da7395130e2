using EdgeFL.Core.Rounds;
using EdgeFL.CloudBridge.State;
using EdgeFL.Core.Messages;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using static EdgeFL.CloudBridge.Tests.CloudAggregatorTests;

namespace EdgeFL.CloudBridge.Tests.Fuzz;

/// <summary>
/// Ingress 5, files read at start-up: the cloud aggregator's SQLite state (cloud.db). 10,000 damaged
/// database files (bytes of a real file with a global model and pending uploads, some holding wrong
/// values written through SQLite) are opened as CloudAggregatorWorker starts: StateDatabase.Open,
/// CloudAggregator.Restore (an unreadable state is logged and the seed used), the seed otherwise.
/// Nothing else may throw; the global model held must be fit; and every 25th file a sync round still
/// completes on it.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class CloudStateFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = FuzzCampaign.ScratchDirectory("cloud-db");
    private readonly CloudAggregatorOptions _options = new() { ExpectedGateways = 1 };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DamagedCloudState_NeverStopsTheAggregator()
    {
        var corpus = Corpus();
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        long sequence = 100;
        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            i => new FuzzCase(mutator.Next(corpus, out string how), how, i % 25 == 0 ? "with a round" : ""),
            c =>
            {
                using var db = DatabaseVariants.OpenFresh(_dir, "cloud.db", c.Bytes, CloudStateStore.Schema);
                var aggregator = new CloudAggregator(_options, NullLogger.Instance, new ManualTimeProvider(), new CloudStateStore(db));
                bool restored = true;
                try
                {
                    aggregator.Restore();
                }
                catch (InvalidDataException)
                {
                    restored = false; // CloudAggregatorWorker logs it and goes on from the seed
                }

                restored &= aggregator.Global is not null;
                if (aggregator.Global is null)
                {
                    Assert.True(aggregator.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0))).IsAccepted);
                }

                var global = aggregator.Global!;
                Assert.Null(ModelOracle.Unfit(global.Model, global.Round, null));
                if (c.Target.Length > 0)
                {
                    // A sync round: one upload from the expected gateway completes it.
                    var upload = Upload("gw-9", ++sequence, global.Round + 1, 10, global.Model);
                    Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-9", upload));
                    var published = aggregator.CloseDue();
                    Assert.Equal(global.Round + 1, Assert.Single(published, p => p.Global.Round == global.Round + 1).Global.Round);
                }

                return restored;
            });

        output.WriteLine($"cloud.db ingress: {result}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0, result.ToString());
    }

    /// <summary>A real cloud.db (a global model, uploads pending for the next round) and variants with wrong values.</summary>
    private List<byte[]> Corpus()
    {
        string path = Path.Combine(_dir, "seed.db");
        using (var db = StateDatabase.Open(path, CloudStateStore.Schema, NullLogger.Instance))
        {
            var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 3 }, NullLogger.Instance, new ManualTimeProvider(), new CloudStateStore(db));
            aggregator.Adopt(new ModelMessage("m", 4, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
            aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 100, Filled(1)));
            aggregator.OnUpload("gw-2", Upload("gw-2", 1, 5, 300, Filled(2)));
        }

        string[] edits =
        [
            "UPDATE kv SET value = 42 WHERE key = 'global';",
            "UPDATE kv SET value = $nan WHERE key = 'global';",
            "UPDATE kv SET value = $other WHERE key = 'global';",
            "UPDATE journal SET payload = 'text' WHERE sender = 'gw-1';",
            "UPDATE journal SET sender = x'ff00' WHERE sender = 'gw-2';",
            "UPDATE journal SET round = 'five';",
        ];
        return DatabaseVariants.Corpus(File.ReadAllBytes(path), _dir, edits, command =>
        {
            command.Parameters.AddWithValue("$nan", Core.Wire.WireCodec.Encode(new ModelMessage("m", 4, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(float.NaN))));
            command.Parameters.AddWithValue("$other", Core.Wire.WireCodec.Encode(new ModelMessage("m", 4, "cloud", 0, DateTimeOffset.UnixEpoch, new([Core.Models.NamedTensor.FromFloat32("x", [1], [1])]))));
        });
    }
}
