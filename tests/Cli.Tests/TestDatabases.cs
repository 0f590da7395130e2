using System.Buffers;
using EdgeFL.CloudBridge.State;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.State;
using EdgeFL.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Cli.Tests;

/// <summary>State databases written by the services' own stores, with the schemas the services open them with, for inspect to read.</summary>
internal static class TestDatabases
{
    /// <summary>
    /// A gateway's state: an adopted model, an open round with one journaled update, an outbox holding a
    /// queued upload and a dead letter, and a table a later version might add.
    /// </summary>
    public static StateDatabase Gateway(string path)
    {
        var db = StateDatabase.Open(path, GatewayStateStore.Schema + DurableOutbox.Schema, NullLogger.Instance);
        var store = new GatewayStateStore(db);
        store.SaveAdopted(TestModels.Model(), version: 12, lastAdoptedGlobal: -1);
        store.OpenRound(13, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var update = TestModels.Update();
        store.RoundJournal.Append(13, new Contribution(update.DeviceId, $"{update.DeviceId}@{update.Round}", update.Round, update.SampleCount, update.Model), new ReadOnlySequence<byte>(WireCodec.Encode(update)));
        db.InTransaction((c, tx) => Execute(c, tx, "CREATE TABLE future_thing (x INTEGER, note TEXT); INSERT INTO future_thing (x, note) VALUES (1, 'first'), (2, 'later');"));
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        outbox.Enqueue("edgefl/cloud/gw-1/junk", [1, 2, 3], coalesceKey: null);
        outbox.DeadLetter(outbox.Peek()!.Id, "broker refused it");
        outbox.Enqueue("edgefl/cloud/uploads/gw-1", WireCodec.Encode(TestModels.Upload()), coalesceKey: "model");
        return db;
    }

    /// <summary>The cloud's state: a global model and one journaled upload of the next round.</summary>
    public static StateDatabase Cloud(string path)
    {
        var db = StateDatabase.Open(path, CloudStateStore.Schema, NullLogger.Instance);
        var store = new CloudStateStore(db);
        store.SaveGlobal(TestModels.Model(round: 3) with { Source = "cloud" });
        var upload = TestModels.Upload(sequence: 4);
        store.RoundJournal.Append(upload.Round, new Contribution(upload.GatewayId, upload.UploadId, upload.Round, upload.TotalSamples, upload.Model), new ReadOnlySequence<byte>(WireCodec.Encode(upload)));
        return db;
    }

    public static void Execute(SqliteConnection c, SqliteTransaction tx, string sql, byte[]? payload = null)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        if (payload is not null)
        {
            command.Parameters.AddWithValue("$p", payload);
        }

        command.ExecuteNonQuery();
    }
}
