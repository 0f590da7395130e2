using Microsoft.Data.Sqlite;

namespace EdgeFL.Storage;

/// <summary>A small key-value table (<c>kv</c>) inside a <see cref="StateDatabase"/>: counters, round numbers, blobs.</summary>
public static class KeyValue
{
    /// <summary>The table's schema; part of every service's schema.</summary>
    public const string Schema = "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);";

    /// <summary>Writes a value inside the caller's transaction.</summary>
    public static void Set(SqliteConnection c, SqliteTransaction tx, string key, object value)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "INSERT INTO kv (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;";
        command.Parameters.AddWithValue("$k", key);
        command.Parameters.AddWithValue("$v", value);
        command.ExecuteNonQuery();
    }

    /// <summary>Reads an integer, or null.</summary>
    public static long? GetInt64(SqliteConnection c, string key, SqliteTransaction? tx = null)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT value FROM kv WHERE key = $k;";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Reads a blob, or null.</summary>
    public static byte[]? GetBlob(SqliteConnection c, string key, SqliteTransaction? tx = null)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT value FROM kv WHERE key = $k;";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>Removes a key.</summary>
    public static void Delete(SqliteConnection c, SqliteTransaction tx, string key)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM kv WHERE key = $k;";
        command.Parameters.AddWithValue("$k", key);
        command.ExecuteNonQuery();
    }
}
