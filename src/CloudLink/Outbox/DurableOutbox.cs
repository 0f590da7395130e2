using EdgeFL.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudLink.Outbox;

/// <summary>
/// Messages bound for the cloud, on disk before the caller is told they are accepted and removed only
/// after the broker's PUBACK. FIFO; bounded in count and bytes; a queued model upload is superseded
/// by a newer one with the same coalescing key; a message the broker keeps refusing moves to a
/// dead-letter table instead of blocking the queue.
/// </summary>
public sealed class DurableOutbox
{
    /// <summary>The outbox tables; part of the schema of the database it lives in.</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            bytes INTEGER NOT NULL,
            coalesce_key TEXT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL,
            last_error TEXT NULL);
        CREATE INDEX IF NOT EXISTS outbox_coalesce ON outbox (coalesce_key);
        CREATE TABLE IF NOT EXISTS dead_letter (
            id INTEGER PRIMARY KEY,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            attempts INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            dead_ms INTEGER NOT NULL,
            reason TEXT NOT NULL);
        """;

    private readonly StateDatabase _db;
    private readonly OutboxOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _superseded;
    private long _dropped;
    private long _deadLettered;

    /// <summary>Opens the outbox in <paramref name="db"/>, whose schema includes <see cref="Schema"/>.</summary>
    public DurableOutbox(StateDatabase db, OutboxOptions options, ILogger logger, TimeProvider? time = null)
    {
        if (new OutboxOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            throw new InvalidOperationException(invalid.FailureMessage);
        }

        _db = db;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised after a message was queued (the sender wakes up).</summary>
    public event Action? Enqueued;

    /// <summary>Messages superseded by a newer one with the same key since start.</summary>
    public long Superseded => Interlocked.Read(ref _superseded);

    /// <summary>Messages dropped because the outbox was full, since start.</summary>
    public long DroppedOldest => Interlocked.Read(ref _dropped);

    /// <summary>Messages moved to the dead-letter table since start.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Messages queued now.</summary>
    public int Count => _db.Read(c => (int)Scalar(c, "SELECT COUNT(*) FROM outbox;"));

    /// <summary>Payload bytes queued now.</summary>
    public long Bytes => _db.Read(c => Scalar(c, "SELECT COALESCE(SUM(bytes), 0) FROM outbox;"));

    /// <summary>Messages in the dead-letter table.</summary>
    public int DeadLetterCount => _db.Read(c => (int)Scalar(c, "SELECT COUNT(*) FROM dead_letter;"));

    /// <summary>Queues a message in its own transaction; it is on disk when this returns.</summary>
    public EnqueueOutcome Enqueue(string topic, byte[] payload, string? coalesceKey)
    {
        var outcome = _db.InTransaction((c, tx) => Enqueue(c, tx, topic, payload, coalesceKey));
        Enqueued?.Invoke();
        return outcome;
    }

    /// <summary>
    /// Queues a message inside the caller's transaction, so that it commits together with the caller's
    /// state (a gateway's closed round and its upload). Call <see cref="NotifyEnqueued"/> after the commit.
    /// </summary>
    public EnqueueOutcome Enqueue(SqliteConnection c, SqliteTransaction tx, string topic, byte[] payload, string? coalesceKey)
    {
        if (payload.Length > _options.MaxBytes)
        {
            OutboxLog.TooLarge(_logger, topic, payload.Length, _options.MaxBytes);
            return new EnqueueOutcome(false, 0, 0);
        }

        int superseded = 0;
        if (coalesceKey is not null && _options.CoalesceModelUploads)
        {
            superseded = Execute(c, tx, "DELETE FROM outbox WHERE coalesce_key = $k;", ("$k", coalesceKey));
        }

        Execute(
            c,
            tx,
            "INSERT INTO outbox (topic, payload, bytes, coalesce_key, created_ms) VALUES ($t, $p, $b, $k, $m);",
            ("$t", topic),
            ("$p", payload),
            ("$b", payload.Length),
            ("$k", (object?)coalesceKey ?? DBNull.Value),
            ("$m", _time.GetUtcNow().ToUnixTimeMilliseconds()));

        // Over a limit: drop the oldest messages (never the one just queued).
        int dropped = 0;
        while (Scalar(c, "SELECT COUNT(*) FROM outbox;", tx) > _options.MaxMessages
               || Scalar(c, "SELECT COALESCE(SUM(bytes), 0) FROM outbox;", tx) > _options.MaxBytes)
        {
            dropped += Execute(c, tx, "DELETE FROM outbox WHERE id = (SELECT MIN(id) FROM outbox);");
        }

        Interlocked.Add(ref _superseded, superseded);
        Interlocked.Add(ref _dropped, dropped);
        if (superseded > 0)
        {
            OutboxLog.Superseded(_logger, coalesceKey!, superseded);
        }

        if (dropped > 0)
        {
            OutboxLog.DroppedOldest(_logger, dropped, _options.MaxMessages, _options.MaxBytes);
        }

        return new EnqueueOutcome(true, superseded, dropped);
    }

    /// <summary>Wakes the sender after a commit that queued messages through <see cref="Enqueue(SqliteConnection, SqliteTransaction, string, byte[], string?)"/>.</summary>
    public void NotifyEnqueued() => Enqueued?.Invoke();

    /// <summary>
    /// The oldest queued message, or null. A row that cannot be a message (values of the wrong type, as a
    /// damaged file can hold) is removed and logged, so it cannot stop the queue.
    /// </summary>
    public OutboxEntry? Peek()
    {
        while (true)
        {
            var (entry, unreadable) = _db.Read<(OutboxEntry? Entry, long? Unreadable)>(c =>
            {
                using var command = c.CreateCommand();
                command.CommandText = "SELECT id, topic, payload, coalesce_key, attempts FROM outbox ORDER BY id LIMIT 1;";
                using var reader = command.ExecuteReader();
                if (!reader.Read())
                {
                    return (null, null);
                }

                long id = reader.GetInt64(0);
                bool readable = reader[1] is string && reader[2] is byte[] && reader[3] is string or DBNull && reader[4] is long;
                return readable
                    ? (new OutboxEntry(id, reader.GetString(1), (byte[])reader[2], reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4)), null)
                    : (null, id);
            });
            if (unreadable is not { } bad)
            {
                return entry;
            }

            _db.InTransaction((c, tx) => Execute(c, tx, "DELETE FROM outbox WHERE id = $id;", ("$id", (object)bad)));
            Interlocked.Increment(ref _dropped);
            OutboxLog.Unreadable(_logger, bad);
        }
    }

    /// <summary>True while the message is queued (not delivered, superseded or dropped).</summary>
    public bool IsQueued(long id) => _db.Read(c => Scalar(c, "SELECT EXISTS (SELECT 1 FROM outbox WHERE id = " + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ");") == 1);

    /// <summary>Removes a message the broker acknowledged. A message already superseded is simply gone.</summary>
    public void Acknowledge(long id) => _db.InTransaction((c, tx) => Execute(c, tx, "DELETE FROM outbox WHERE id = $id;", ("$id", id)));

    /// <summary>
    /// Records a refusal by the broker; after <see cref="OutboxOptions.MaxAttempts"/> the message moves
    /// to the dead-letter table, so the messages behind it go on.
    /// </summary>
    public bool RecordRefusal(long id, string error)
    {
        bool dead = _db.InTransaction((c, tx) =>
        {
            Execute(c, tx, "UPDATE outbox SET attempts = attempts + 1, last_error = $e WHERE id = $id;", ("$id", id), ("$e", error));
            if (Scalar(c, "SELECT COALESCE((SELECT attempts FROM outbox WHERE id = " + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "), 0);", tx) < _options.MaxAttempts)
            {
                return false;
            }

            MoveToDeadLetter(c, tx, id, error);
            return true;
        });
        if (dead)
        {
            Interlocked.Increment(ref _deadLettered);
            OutboxLog.DeadLettered(_logger, id, _options.MaxAttempts, error);
        }

        return dead;
    }

    /// <summary>
    /// Moves a message its receiver refused for good (the cloud's acknowledgement said so) to the
    /// dead-letter table at once: sending it again would be refused again. A message already gone is left so.
    /// </summary>
    public void DeadLetter(long id, string reason)
    {
        bool moved = _db.InTransaction((c, tx) => MoveToDeadLetter(c, tx, id, reason) > 0);
        if (moved)
        {
            Interlocked.Increment(ref _deadLettered);
            OutboxLog.RefusedForGood(_logger, id, reason);
        }
    }

    private int MoveToDeadLetter(SqliteConnection c, SqliteTransaction tx, long id, string reason) =>
        Execute(
            c,
            tx,
            "INSERT INTO dead_letter (id, topic, payload, attempts, created_ms, dead_ms, reason) SELECT id, topic, payload, attempts, created_ms, $now, $e FROM outbox WHERE id = $id; DELETE FROM outbox WHERE id = $id;",
            ("$id", id),
            ("$e", reason),
            ("$now", _time.GetUtcNow().ToUnixTimeMilliseconds()));

    private static int Execute(SqliteConnection c, SqliteTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
