using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeFL.Gateway.State;

/// <summary>
/// A gateway's durable state in its <see cref="StateDatabase"/>: the current model and round, the
/// counters, and a journal of the updates accepted in the open round. An update is journaled before
/// the MQTT handler returns (so before the device gets its PUBACK); a restart replays the journal
/// into a fresh running sum, so memory stays O(model) and no accepted update is lost or counted twice.
/// </summary>
internal sealed class GatewayStateStore(StateDatabase db)
{
    /// <summary>The gateway's tables.</summary>
    public const string Schema = KeyValue.Schema + Journal.Schema + """
        CREATE TABLE IF NOT EXISTS round_journal (round INTEGER NOT NULL, device_id TEXT NOT NULL, base_round INTEGER NOT NULL, payload BLOB NOT NULL);
        INSERT OR IGNORE INTO journal (round, sender, id, payload)
            SELECT round, device_id, device_id || '@' || base_round, payload FROM round_journal ORDER BY rowid;
        DROP TABLE round_journal;
        """;

    /// <summary>The journal the open round's admitted updates are written to.</summary>
    public IRoundJournal RoundJournal { get; } = new SqliteRoundJournal(db);

    /// <summary>The database this store writes to (the outbox lives in it too).</summary>
    public StateDatabase Database => db;

    /// <summary>True when the state survives the process (a file, not memory).</summary>
    public bool Durable => db.IsDurable;

    /// <summary>
    /// The saved state, or null on a first start. Throws <see cref="InvalidDataException"/> for anything
    /// unreadable (a damaged file that SQLite still opens): values of the wrong type or range, a stored
    /// model that does not decode, rows SQLite cannot read.
    /// </summary>
    public GatewaySnapshot? Load()
    {
        try
        {
            return db.Read(Read);
        }
        catch (Exception ex) when (ex is SqliteException or InvalidCastException or FormatException or OverflowException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"saved state in {db.Path} is unreadable: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private GatewaySnapshot? Read(SqliteConnection c)
    {
        byte[]? model = KeyValue.GetBlob(c, "model");
        if (model is null)
        {
            return null;
        }

        if (!WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(model), DecodeLimits.Default, out var message, out var error))
        {
            throw new InvalidDataException($"stored model in {db.Path} is unreadable: {error}");
        }

        long? open = KeyValue.GetInt64(c, "open_round");
        long? issued = KeyValue.GetInt64(c, "open_issued_ms");
        var journal = new List<JournaledContribution>();
        if (open is not null)
        {
            var rows = Journal.Read(c, open.Value, out var unreadable);
            if (unreadable.Count > 0)
            {
                throw new InvalidDataException($"saved state in {db.Path} holds {unreadable.Count} unreadable journal row(s)");
            }

            journal.AddRange(rows.Select(r => new JournaledContribution(r.Round, r.Sender, r.Payload)));
        }

        var snapshot = new GatewaySnapshot(
            message!,
            KeyValue.GetInt64(c, "version") ?? message!.Round,
            KeyValue.GetInt64(c, "last_adopted_global") ?? -1,
            KeyValue.GetInt64(c, "samples_since_sync") ?? 0,
            open,
            issued is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(issued.Value),
            journal);
        long uploads = KeyValue.GetInt64(c, "upload_seq") ?? 0; // read now, so a damaged counter cannot fail a sync round later
        if (snapshot.Version < 0 || snapshot.SamplesSinceSync < 0 || snapshot.LastAdoptedGlobal < -1 || uploads < 0)
        {
            throw new InvalidDataException($"saved state in {db.Path} holds negative counters (version {snapshot.Version}, samples {snapshot.SamplesSinceSync}, last global {snapshot.LastAdoptedGlobal}, uploads {uploads})");
        }

        return snapshot;
    }

    /// <summary>
    /// Drops saved state that <see cref="Load"/> found unreadable: model, counters, open round and journal
    /// go (the gateway starts from its seed), and so does the incarnation, so later upload ids cannot repeat
    /// earlier ones; the upload sequence stays when it is a readable number. The outbox is left alone (it
    /// skips rows it cannot read).
    /// </summary>
    public void Discard() => db.InTransaction((c, tx) =>
    {
        object? sequence;
        using (var read = c.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT value FROM kv WHERE key = 'upload_seq';";
            sequence = read.ExecuteScalar();
        }

        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM kv;";
        command.ExecuteNonQuery();
        Journal.Clear(c, tx);
        if (sequence is long seq and >= 0)
        {
            KeyValue.Set(c, tx, "upload_seq", seq);
        }
    });

    /// <summary>Saves an adopted model (initial, or the cloud's global).</summary>
    public void SaveAdopted(ModelMessage model, long version, long lastAdoptedGlobal) => db.InTransaction((c, tx) =>
    {
        SaveModel(c, tx, model, version);
        KeyValue.Set(c, tx, "last_adopted_global", lastAdoptedGlobal);
    });

    /// <summary>Records that a round is open, with the issue time of its model message.</summary>
    public void OpenRound(long round, DateTimeOffset issuedAt) => db.InTransaction((c, tx) =>
    {
        KeyValue.Set(c, tx, "open_round", round);
        KeyValue.Set(c, tx, "open_issued_ms", issuedAt.ToUnixTimeMilliseconds());
    });

    /// <summary>Inside the caller's transaction: the closed round's model and counters; the journal is cleared.</summary>
    public void CloseRound(SqliteConnection c, SqliteTransaction tx, ModelMessage model, long version, long samplesSinceSync)
    {
        SaveModel(c, tx, model, version);
        KeyValue.Set(c, tx, "samples_since_sync", samplesSinceSync);
        KeyValue.Delete(c, tx, "open_round");
        KeyValue.Delete(c, tx, "open_issued_ms");
        Journal.Clear(c, tx);
    }

    /// <summary>Inside the caller's transaction: the incarnation of this state and the next upload sequence number (<see cref="EdgeFL.CloudLink.UploadSequence"/>).</summary>
    public (string Incarnation, long Sequence) NextUpload(SqliteConnection c, SqliteTransaction tx) => EdgeFL.CloudLink.UploadSequence.Next(c, tx);

    private static void SaveModel(SqliteConnection c, SqliteTransaction tx, ModelMessage model, long version)
    {
        KeyValue.Set(c, tx, "model", WireCodec.Encode(model));
        KeyValue.Set(c, tx, "version", version);
    }
}
