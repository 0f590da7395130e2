using System.Buffers;
using Microsoft.Data.Sqlite;

namespace EdgeFL.Storage;

/// <summary>
/// The <c>journal</c> table of a <see cref="StateDatabase"/>: payloads that must survive a restart until
/// they are used up (a gateway's admitted updates of the open round, the cloud's uploads of pending sync
/// rounds, a device's updates made while offline). With <see cref="KeyValue"/> it is the one pattern every
/// EdgeFL state store is made of. Payloads are streamed into their rows (<see cref="StreamedBlob"/>).
/// </summary>
public static class Journal
{
    /// <summary>The table's schema; part of the schema of every service that journals.</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS journal (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            round INTEGER NOT NULL,
            sender TEXT NOT NULL,
            id TEXT NOT NULL,
            payload BLOB NOT NULL,
            UNIQUE (round, id));
        """;

    /// <summary>Inside the caller's transaction: appends a payload (replacing a row of the same round and id); returns its seq.</summary>
    public static long Append(SqliteConnection c, SqliteTransaction tx, long round, string sender, string id, ReadOnlySequence<byte> payload)
    {
        long seq = 0;
        StreamedBlob.Insert(c, tx, "journal", "payload", payload, command =>
        {
            command.CommandText = "INSERT OR REPLACE INTO journal (round, sender, id, payload) VALUES ($r, $s, $i, zeroblob($length)) RETURNING seq;";
            command.Parameters.AddWithValue("$r", round);
            command.Parameters.AddWithValue("$s", sender);
            command.Parameters.AddWithValue("$i", id);
        }, rowid => seq = rowid);
        return seq;
    }

    /// <summary>
    /// The rows (of <paramref name="round"/> only, when given) in the order they were appended. Rows whose values
    /// are of the wrong type (a damaged file) are returned in <paramref name="unreadable"/> by seq, not thrown.
    /// </summary>
    public static IReadOnlyList<JournalRow> Read(SqliteConnection c, long? round, out IReadOnlyList<long> unreadable)
    {
        var rows = new List<JournalRow>();
        var bad = new List<long>();
        using var command = c.CreateCommand();
        command.CommandText = round is null
            ? "SELECT seq, round, sender, id, payload FROM journal ORDER BY seq;"
            : "SELECT seq, round, sender, id, payload FROM journal WHERE round = $r ORDER BY seq;";
        if (round is not null)
        {
            command.Parameters.AddWithValue("$r", round.Value);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            long seq = reader.GetInt64(0);
            if (reader[1] is long r && reader[2] is string sender && reader[3] is string id && reader[4] is byte[] payload)
            {
                rows.Add(new JournalRow(seq, r, sender, id, payload));
            }
            else
            {
                bad.Add(seq);
            }
        }

        unreadable = bad;
        return rows;
    }

    /// <summary>Inside the caller's transaction: removes one row.</summary>
    public static void Delete(SqliteConnection c, SqliteTransaction tx, long seq) =>
        Execute(c, tx, "DELETE FROM journal WHERE seq = $v;", seq);

    /// <summary>Inside the caller's transaction: removes the rows of <paramref name="round"/> and every earlier round.</summary>
    public static void DeleteThroughRound(SqliteConnection c, SqliteTransaction tx, long round) =>
        Execute(c, tx, "DELETE FROM journal WHERE round <= $v;", round);

    /// <summary>Inside the caller's transaction: removes every row.</summary>
    public static void Clear(SqliteConnection c, SqliteTransaction tx) =>
        Execute(c, tx, "DELETE FROM journal;", null);

    private static void Execute(SqliteConnection c, SqliteTransaction tx, string sql, long? value)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        if (value is not null)
        {
            command.Parameters.AddWithValue("$v", value.Value);
        }

        command.ExecuteNonQuery();
    }
}
