using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Rounds;
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
    public const string Schema = KeyValue.Schema + Journal.Schema + CloudLink.Outbox.DurableOutbox.Schema + RecentUploads.Schema + """
        CREATE TABLE IF NOT EXISTS upload_journal (upload_id TEXT PRIMARY KEY, round INTEGER NOT NULL, gateway_id TEXT NOT NULL, payload BLOB NOT NULL);
        INSERT OR IGNORE INTO journal (round, sender, id, payload)
            SELECT round, gateway_id, upload_id, payload FROM upload_journal ORDER BY round, rowid;
        DROP TABLE upload_journal;
        """;

    /// <summary>The journal the pending rounds' uploads are written to.</summary>
    public IRoundJournal RoundJournal { get; } = new SqliteRoundJournal(db);

    public bool Durable => db.IsDurable;

    /// <summary>
    /// The saved global model and the journaled uploads. Throws <see cref="InvalidDataException"/> for
    /// anything unreadable (a damaged file SQLite still opens): values of the wrong type, a model that does
    /// not decode, rows SQLite cannot read.
    /// </summary>
    public (ModelMessage? Global, IReadOnlyList<JournaledContribution> Pending) Load()
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
        command.CommandText = "DELETE FROM kv;";
        command.ExecuteNonQuery();
        Journal.Clear(c, tx);
        RecentUploads.Clear(c, tx);
    });

    /// <summary>Reads the upload ids applied to published rounds that are remembered (see <see cref="RecentUploads"/>).</summary>
    public void LoadRecent(RecentUploads recent)
    {
        try
        {
            db.Read(c =>
            {
                recent.Load(c);
                return 0;
            });
        }
        catch (Exception ex) when (ex is SqliteException or InvalidCastException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"saved state in {db.Path} is unreadable: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private (ModelMessage? Global, IReadOnlyList<JournaledContribution> Pending) Read(SqliteConnection c)
    {
        ModelMessage? global = null;
        if (KeyValue.GetBlob(c, "global") is { } bytes)
        {
            if (!WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(bytes), DecodeLimits.Default, out global, out var error))
            {
                throw new InvalidDataException($"stored global model in {db.Path} is unreadable: {error}");
            }
        }

        var rows = Journal.Read(c, null, out var unreadable);
        if (unreadable.Count > 0)
        {
            throw new InvalidDataException($"saved state in {db.Path} holds {unreadable.Count} unreadable journal row(s)");
        }

        return (global, rows.Select(r => new JournaledContribution(r.Round, r.Sender, r.Payload)).ToList());
    }

    /// <summary>
    /// The new global model and, in the same transaction, the server optimizer's state that produced it (none: no
    /// state kept), the upload ids newly remembered in <paramref name="recent"/>, and <paramref name="alsoInTransaction"/> (a region's
    /// upload queued); uploads of its round and older leave the journal.
    /// </summary>
    public void SaveGlobal(ModelMessage global, ServerOptimizerState? optimizer = null, Action<SqliteConnection, SqliteTransaction>? alsoInTransaction = null, RecentUploads? recent = null) => db.InTransaction((c, tx) =>
    {
        alsoInTransaction?.Invoke(c, tx);
        recent?.Save(c, tx);
        KeyValue.Set(c, tx, "global", WireCodec.Encode(global));
        if (optimizer is { Moments: { } moments })
        {
            KeyValue.Set(c, tx, "optimizer", WireCodec.Encode(new ModelMessage(optimizer.Kind, global.Round, "cloud", 0, global.IssuedAt, moments)));
            KeyValue.Set(c, tx, "optimizer_steps", optimizer.Steps);
        }
        else
        {
            KeyValue.Delete(c, tx, "optimizer");
            KeyValue.Delete(c, tx, "optimizer_steps");
        }

        Journal.DeleteThroughRound(c, tx, global.Round);
    });

    /// <summary>
    /// The server optimizer's saved state, or null when none was saved; it belongs to the saved global model when
    /// their rounds match. Throws <see cref="InvalidDataException"/> when it is unreadable.
    /// </summary>
    public ServerOptimizerState? LoadOptimizer() => db.Read(c =>
    {
        if (KeyValue.GetBlob(c, "optimizer") is not { } bytes)
        {
            return null;
        }

        if (!WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(bytes), DecodeLimits.Default, out var state, out var error))
        {
            throw new InvalidDataException($"stored server optimizer state in {db.Path} is unreadable: {error}");
        }

        return new ServerOptimizerState(state!.ModelId, state.Round, KeyValue.GetInt64(c, "optimizer_steps") ?? 0, state.Model);
    });

    /// <summary>A region: the round of the last global model taken from the tier above (-1: none).</summary>
    public long LoadUpperRound() => db.Read(c => KeyValue.GetInt64(c, UpperRoundKey)) ?? -1;

    /// <summary>A region: the global model taken from the tier above, with its round noted, in one transaction.</summary>
    public void SaveUpper(ModelMessage global, RecentUploads? recent = null) => SaveGlobal(global, null, (c, tx) => KeyValue.Set(c, tx, UpperRoundKey, global.Round), recent);

    private const string UpperRoundKey = "upper_round";
}
