using EdgeFL.Gateway.State;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>Regression tests for what fuzzing gateway.db found: each damage once, on a real file.</summary>
public sealed class StateFilesFoundByFuzzingTests : IDisposable
{
    private const string Schema = GatewayStateStore.Schema + DurableOutbox.Schema;
    private readonly string _dir = FuzzCampaign.ScratchDirectory("gateway-regression");

    private string PathOf => Path.Combine(_dir, "gateway.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A saved gateway.db: a model, counters and an upload queued.</summary>
    private void Save()
    {
        using var db = StateDatabase.Open(PathOf, Schema, NullLogger.Instance);
        var store = new GatewayStateStore(db);
        var initial = TestModels.Message(TestModels.Filled(1), round: 2);
        store.SaveAdopted(initial, 2, 2);
        db.InTransaction((c, tx) => store.NextUpload(c, tx));
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        outbox.Enqueue("t/1", [1], null);
        outbox.Enqueue("t/2", [2], null);
    }

    private void Damage(string sql)
    {
        using var c = new SqliteConnection($"Data Source={PathOf};Pooling=False");
        c.Open();
        using var command = c.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$nan", WireCodec.Encode(TestModels.Message(TestModels.Filled(float.NaN))));
        command.ExecuteNonQuery();
    }

    /// <summary>An outbox row with a non-blob payload threw InvalidCastException in the uplink's sender, which then stopped for good.</summary>
    [Fact]
    public void AnUnreadableOutboxRow_IsRemoved_AndTheQueueGoesOn()
    {
        Save();
        Damage("UPDATE outbox SET payload = 12345 WHERE topic = 't/1';");
        using var db = StateDatabase.Open(PathOf, Schema, NullLogger.Instance);
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        Assert.Equal("t/2", outbox.Peek()!.Topic);
        Assert.Equal(1, outbox.Count);
    }

    /// <summary>Saved state with wrong values (text counters, a NaN model, an unreadable upload counter) threw past the worker at start, or later at a sync.</summary>
    [Theory]
    [InlineData("UPDATE kv SET value = 'abc' WHERE key = 'version';", 2)]
    [InlineData("UPDATE kv SET value = 'seven' WHERE key = 'upload_seq';", 1)]
    [InlineData("UPDATE kv SET value = $nan WHERE key = 'model';", 2)]
    [InlineData("INSERT INTO kv (key, value) VALUES ('open_round', 3), ('open_issued_ms', 9223372036854775807);", 2)]
    public void UnreadableSavedState_IsDiscarded_AndTheGatewayStartsFromItsSeed(string damage, long nextUpload)
    {
        Save();
        Damage(damage);
        using var db = StateDatabase.Open(PathOf, Schema, NullLogger.Instance);
        var store = new GatewayStateStore(db);
        var rounds = new RoundCoordinator(new GatewayOptions(), new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider(), store);
        Assert.Null(GatewaySeeder.AdoptSavedState(store, rounds, NullLogger.Instance, "gw"));
        Assert.False(rounds.HasModel);
        Assert.Null(store.Load());
        Assert.Equal(nextUpload, db.InTransaction((c, tx) => store.NextUpload(c, tx).Sequence)); // a readable upload counter survives
    }

    /// <summary>SQLite could open files it could not use: "unsupported file format" and tables with other columns (every query failed later).</summary>
    [Theory]
    [InlineData("header")]
    [InlineData("schema")]
    public void AFileSQLiteCannotUse_IsQuarantined(string damage)
    {
        Save();
        if (damage == "header")
        {
            byte[] bytes = File.ReadAllBytes(PathOf);
            bytes[18] = bytes[19] = 9; // file format versions SQLite does not know
            File.WriteAllBytes(PathOf, bytes);
        }
        else
        {
            Damage("DROP TABLE outbox; CREATE TABLE outbox (id INTEGER PRIMARY KEY, topic TEXT);");
        }

        using var db = StateDatabase.Open(PathOf, Schema, NullLogger.Instance);
        Assert.NotNull(db.QuarantinedFile);
        Assert.Equal(0, new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance).Count);
    }
}
