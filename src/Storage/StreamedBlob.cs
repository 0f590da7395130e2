using System.Buffers;
using Microsoft.Data.Sqlite;

namespace EdgeFL.Storage;

/// <summary>
/// Writes a large payload into a row without first joining it into one managed array: the row is inserted
/// with <c>zeroblob(length)</c> and the payload's segments are copied into it through SQLite's incremental
/// blob I/O. A model-sized update then costs no large-object-heap array and no native copy of the
/// whole blob (binding a <c>byte[]</c> costs both).
/// </summary>
public static class StreamedBlob
{
    /// <summary>
    /// Runs <paramref name="insert"/> (inside the caller's transaction; its SQL must put <c>zeroblob($length)</c>
    /// in <paramref name="column"/> and end with <c>RETURNING rowid</c>), then writes <paramref name="payload"/> into that blob.
    /// </summary>
    public static void Insert(SqliteConnection c, SqliteTransaction tx, string table, string column, ReadOnlySequence<byte> payload, Action<SqliteCommand> insert) =>
        Insert(c, tx, table, column, payload, insert, _ => { });

    /// <summary>As <see cref="Insert(SqliteConnection, SqliteTransaction, string, string, ReadOnlySequence{byte}, Action{SqliteCommand})"/>, telling <paramref name="inserted"/> the new row's id.</summary>
    public static void Insert(SqliteConnection c, SqliteTransaction tx, string table, string column, ReadOnlySequence<byte> payload, Action<SqliteCommand> insert, Action<long> inserted)
    {
        ArgumentNullException.ThrowIfNull(inserted);
        ArgumentNullException.ThrowIfNull(insert);
        using var command = c.CreateCommand();
        command.Transaction = tx;
        insert(command);
        command.Parameters.AddWithValue("$length", payload.Length);
        long rowid = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        inserted(rowid);
        using var blob = new SqliteBlob(c, table, column, rowid, readOnly: false);
        foreach (ReadOnlyMemory<byte> segment in payload)
        {
            blob.Write(segment.Span);
        }
    }
}
