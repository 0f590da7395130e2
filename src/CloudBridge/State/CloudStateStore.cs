using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeFL.CloudBridge.State;

/// <summary>
/// The cloud aggregator's durable state: the current global model, and for every pending sync round
/// the uploads applied to it (journaled before the PUBACK). Together with the global model's round
/// (uploads at or below it are refused as stale), the journal's upload ids make each upload count at
/// most once across restarts; ids of published rounds are pruned.
/// </summary>
internal sealed class CloudStateStore(StateDatabase db)
{
    public const string Schema = KeyValue.Schema + """
        CREATE TABLE IF NOT EXISTS upload_journal (
            upload_id TEXT PRIMARY KEY,
            round INTEGER NOT NULL,
            gateway_id TEXT NOT NULL,
            payload BLOB NOT NULL);
        """;

    public bool Durable => db.IsDurable;

    /// <summary>
    /// The saved global model and the journaled uploads. Throws <see cref="InvalidDataException"/> for
    /// anything unreadable (a damaged file SQLite still opens): values of the wrong type, a model that does
    /// not decode, rows SQLite cannot read.
    /// </summary>
    public (ModelMessage? Global, IReadOnlyList<(string GatewayId, byte[] Payload)> Pending) Load()
    {
        try
        {
            return db.Read(Read);
        }
        catch (Exception ex) when (ex is SqliteException or InvalidCastException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"saved state in {db.Path} is unreadable: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Drops saved state found unreadable: the global model and the journal (the aggregator starts from its seed).</summary>
    public void Discard() => db.InTransaction((c, tx) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM kv; DELETE FROM upload_journal;";
        command.ExecuteNonQuery();
    });

    private (ModelMessage? Global, IReadOnlyList<(string GatewayId, byte[] Payload)> Pending) Read(SqliteConnection c)
    {
        ModelMessage? global = null;
        if (KeyValue.GetBlob(c, "global") is { } bytes)
        {
            if (!WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(bytes), DecodeLimits.Default, out global, out var error))
            {
                throw new InvalidDataException($"stored global model in {db.Path} is unreadable: {error}");
            }
        }

        var pending = new List<(string, byte[])>();
        using var command = c.CreateCommand();
        command.CommandText = "SELECT gateway_id, payload FROM upload_journal ORDER BY round, rowid;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            pending.Add((reader.GetString(0), (byte[])reader[1]));
        }

        return (global, (IReadOnlyList<(string, byte[])>)pending);
    }

    public void Journal(string uploadId, long round, string gatewayId, ReadOnlySequence<byte> payload) => db.InTransaction((c, tx) =>
        StreamedBlob.Insert(c, tx, "upload_journal", "payload", payload, command =>
        {
            command.CommandText = "INSERT OR REPLACE INTO upload_journal (upload_id, round, gateway_id, payload) VALUES ($u, $r, $g, zeroblob($length)) RETURNING rowid;";
            command.Parameters.AddWithValue("$u", uploadId);
            command.Parameters.AddWithValue("$r", round);
            command.Parameters.AddWithValue("$g", gatewayId);
        }));

    /// <summary>The new global model; uploads of its round and older leave the journal.</summary>
    public void SaveGlobal(ModelMessage global) => db.InTransaction((c, tx) =>
    {
        KeyValue.Set(c, tx, "global", WireCodec.Encode(global));
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM upload_journal WHERE round <= $r;";
        command.Parameters.AddWithValue("$r", global.Round);
        command.ExecuteNonQuery();
    });
}
