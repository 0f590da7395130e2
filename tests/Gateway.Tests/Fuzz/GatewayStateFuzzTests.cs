using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.State;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// Ingress 5, files read at start-up: the gateway's SQLite state (gateway.db). 10,000 mutated database
/// files (bytes of real files, some already holding wrong values written through SQLite: a model that
/// does not decode, text where numbers go, a timestamp out of range, negative counters) are opened the
/// way the gateway starts: StateDatabase.Open (which quarantines what SQLite cannot read), the saved
/// state adopted (GatewaySeeder.AdoptSavedState), the open round reopened with its journal replayed,
/// the outbox read. Nothing may throw; a resumed model must be fit; and every 25th file a full round
/// (update, close, upload queued, state saved) still runs on it.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class GatewayStateFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Schema = GatewayStateStore.Schema + DurableOutbox.Schema;
    private readonly string _dir = FuzzCampaign.ScratchDirectory("gateway-db");
    private readonly GatewayOptions _options = new() { GatewayId = "gw", Staleness = new StalenessOptions { MaxRounds = 0 } };
    private int _quarantined;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedStateDatabases_NeverStopTheGateway()
    {
        var corpus = Corpus();
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            i => new FuzzCase(mutator.Next(corpus, out string how), how, i % 25 == 0 ? "with a round" : ""),
            c => StartOn(c.Bytes, runRound: c.Target.Length > 0));

        output.WriteLine($"gateway.db ingress: {result}; quarantined {_quarantined}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0 && _quarantined > 0, result.ToString());
    }

    /// <summary>Starts a gateway's state on <paramref name="file"/>; true when it resumed from the saved state.</summary>
    private bool StartOn(byte[] file, bool runRound)
    {
        using var db = DatabaseVariants.OpenFresh(_dir, "gateway.db", file, Schema);
        _quarantined += db.QuarantinedFile is null ? 0 : 1;
        var store = new GatewayStateStore(db);
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        var rounds = new RoundCoordinator(_options, new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider(), store);

        var saved = GatewaySeeder.AdoptSavedState(store, rounds, NullLogger.Instance, _options.GatewayId);
        if (saved is null)
        {
            // GatewaySeeder.SeedAsync: the seed, as on a first start.
            Assert.False(rounds.HasModel);
            var seed = TestModels.Message(TestModels.Filled(0));
            Assert.True(rounds.Adopt(seed).IsAccepted);
            store.SaveAdopted(seed, seed.Round, -1);
        }
        else
        {
            Assert.Null(ModelOracle.Unfit(rounds.Snapshot(0).Model, saved.Version, null));
            Assert.Equal(saved.Version, rounds.Version);
            if (saved.OpenRound == saved.Version + 1)
            {
                // RoundLoop.RunRoundsAsync: the round open at the crash, reopened, its journal folded back.
                rounds.BeginRound(selected: null, issuedAt: saved.OpenIssuedAt);
                Assert.InRange(rounds.Replay(saved.Journal), 0, saved.Journal.Count);
            }
        }

        // The uplink's sender reads the outbox.
        _ = (outbox.Count, outbox.Bytes, outbox.Peek());
        if (runRound)
        {
            RunRound(rounds, store, outbox);
        }

        return saved is not null;
    }

    /// <summary>A round as the round loop runs it (CloudSync.PersistClosedRound), on whatever state the file left: it must complete and be saved.</summary>
    private static void RunRound(RoundCoordinator rounds, GatewayStateStore store, DurableOutbox outbox)
    {
        var opened = rounds.OpenRoundNumber is { } open ? open : rounds.BeginRound().Round;
        var model = rounds.Snapshot(0).Model;
        var payload = WireCodec.Encode(TestModels.Update("dev-fresh", opened, 10, model));
        Assert.Equal(AdmissionOutcome.Accepted, rounds.OnUpdate("dev-fresh", new ReadOnlySequence<byte>(payload)));
        var result = rounds.CloseRound(RoundCloseReason.Quorum);
        Assert.True(result.ModelUpdated);
        var edge = rounds.Snapshot(result.Samples);
        store.Database.InTransaction((c, tx) =>
        {
            var (incarnation, sequence) = store.NextUpload(c, tx);
            var upload = new GatewayUpload("gw", GatewayUpload.MakeUploadId("gw", incarnation, sequence), sequence, edge.ModelId, result.Round, 10, edge.IssuedAt, edge.Model);
            outbox.Enqueue(c, tx, "edgefl/v1/cloud/uploads/gw", WireCodec.Encode(upload), "model:gw");
            store.CloseRound(c, tx, edge, result.Round, 0);
        });
        var reloaded = store.Load();
        Assert.Equal(result.Round, reloaded!.Version);
        Assert.Null(reloaded.OpenRound);
    }

    /// <summary>A real gateway.db mid-round (model, open round, two journaled updates, an upload queued), and variants with wrong values.</summary>
    private List<byte[]> Corpus()
    {
        string path = Path.Combine(_dir, "seed.db");
        using (var db = StateDatabase.Open(path, Schema, NullLogger.Instance))
        {
            var store = new GatewayStateStore(db);
            var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
            var rounds = new RoundCoordinator(_options, new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider(), store);
            var initial = TestModels.Message(TestModels.Filled(0), round: 3);
            rounds.Adopt(initial);
            store.SaveAdopted(initial, 3, 3);
            rounds.BeginRound();
            rounds.OnUpdate("dev-a", new ReadOnlySequence<byte>(WireCodec.Encode(TestModels.Update("dev-a", 4, 100, TestModels.Filled(1)))));
            rounds.OnUpdate("dev-b", new ReadOnlySequence<byte>(WireCodec.Encode(TestModels.Update("dev-b", 4, 300, TestModels.Filled(2)))));
            outbox.Enqueue("edgefl/v1/cloud/uploads/gw", WireCodec.Encode(new GatewayUpload("gw", "gw:1", 1, "m", 3, 10, DateTimeOffset.UnixEpoch, TestModels.Filled(0))), "model:gw");
        }

        var garbageModel = new FuzzMutator(99).Next([WireCodec.Encode(TestModels.Message(TestModels.Filled(5)))], out _);
        string[] edits =
        [
            "UPDATE kv SET value = 'abc' WHERE key = 'version';",
            "UPDATE kv SET value = 9223372036854775807 WHERE key = 'open_issued_ms';",
            "UPDATE kv SET value = -7 WHERE key = 'samples_since_sync';",
            "UPDATE kv SET value = 9223372036854775807 WHERE key = 'version';",
            "UPDATE kv SET value = 1e300 WHERE key = 'open_round';",
            "UPDATE kv SET value = x'00ff' WHERE key = 'last_adopted_global';",
            "INSERT INTO kv (key, value) VALUES ('upload_seq', 'seven');",
            "UPDATE journal SET payload = 'not a blob';",
            "UPDATE journal SET sender = x'ff00' WHERE sender = 'dev-a';",
            "UPDATE outbox SET payload = 12345;",
            "UPDATE outbox SET topic = x'c0ff';",
            "DELETE FROM kv WHERE key = 'version';",
            "UPDATE kv SET value = $model WHERE key = 'model';",
            "UPDATE kv SET value = $nan WHERE key = 'model';",
            "UPDATE journal SET payload = $model;",
        ];
        return DatabaseVariants.Corpus(File.ReadAllBytes(path), _dir, edits, command =>
        {
            command.Parameters.AddWithValue("$model", garbageModel);
            command.Parameters.AddWithValue("$nan", WireCodec.Encode(TestModels.Message(TestModels.Filled(float.NaN))));
        });
    }
}
