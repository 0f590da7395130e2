using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Cli.Tests;

/// <summary>State databases written by the real stores (Storage's key-value table, the durable outbox) for inspect to read.</summary>
internal static class TestDatabases
{
    // The gateway's journal (src/Gateway/State/GatewayStateStore.cs), and a table inspect has never heard of.
    private const string GatewayTables = """
        CREATE TABLE IF NOT EXISTS round_journal (
            round INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            base_round INTEGER NOT NULL,
            payload BLOB NOT NULL,
            PRIMARY KEY (round, device_id, base_round));
        CREATE TABLE IF NOT EXISTS future_thing (x INTEGER, note TEXT);
        """;

    /// <summary>A gateway's state made by the real stores: kv, journal, outbox with a queued upload and a dead letter.</summary>
    public static StateDatabase Gateway(string path)
    {
        var db = StateDatabase.Open(path, KeyValue.Schema + GatewayTables + DurableOutbox.Schema, NullLogger.Instance);
        db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "model", WireCodec.Encode(TestModels.Model()));
            KeyValue.Set(c, tx, "version", 12L);
            KeyValue.Set(c, tx, "open_issued_ms", 1_700_000_000_000L);
            Execute(c, tx, "INSERT INTO round_journal (round, device_id, base_round, payload) VALUES (13, 'dev-1', 12, $p);", WireCodec.Encode(TestModels.Update()));
            Execute(c, tx, "INSERT INTO future_thing (x, note) VALUES (1, 'first'), (2, 'later');", []);
        });
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        outbox.Enqueue("edgefl/cloud/gw-1/junk", [1, 2, 3], coalesceKey: null);
        outbox.DeadLetter(outbox.Peek()!.Id, "broker refused it");
        outbox.Enqueue("edgefl/cloud/gw-1/upload", WireCodec.Encode(TestModels.Upload()), coalesceKey: "model");
        return db;
    }

    public static void Execute(SqliteConnection c, SqliteTransaction tx, string sql, byte[] payload)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", payload);
        command.ExecuteNonQuery();
    }
}
