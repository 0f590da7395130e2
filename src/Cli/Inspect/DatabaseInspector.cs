using Microsoft.Data.Sqlite;

namespace EdgeFL.Cli.Inspect;

/// <summary>
/// Reads a SQLite state database (gateway.db, cloud.db, device.db) read-only, table by table from its
/// own schema: every table's row count and first rows, whatever the tables are. It never writes to the
/// file and never moves it aside (unlike the services' <c>StateDatabase.Open</c>).
/// </summary>
internal static class DatabaseInspector
{
    /// <summary>The first 16 bytes of every SQLite 3 database file.</summary>
    public static ReadOnlySpan<byte> Header => "SQLite format 3\0"u8;

    /// <summary>True when <paramref name="start"/> (a file's first bytes) is a SQLite database header.</summary>
    public static bool IsDatabase(ReadOnlySpan<byte> start) => start.StartsWith(Header);

    /// <summary>The report of the database at <paramref name="path"/>, with at most <paramref name="maxRows"/> rows a table.</summary>
    public static DatabaseReport Inspect(string path, int maxRows, CellFormatter cells)
    {
        using var connection = new SqliteConnection(ConnectionString(path));
        connection.Open();
        var tables = new List<TableReport>();
        foreach (string table in TableNames(connection))
        {
            tables.Add(Table(connection, table, maxRows, cells));
        }

        return new DatabaseReport(Path.GetFullPath(path), new FileInfo(path).Length, tables);
    }

    /// <summary>
    /// Read-only. A database with a write-ahead log beside it is in use (or was left by a crash): it is
    /// read through that log, which holds its latest commits. Without one, the file is opened as
    /// immutable, because SQLite would otherwise create -wal and -shm files next to it even for reading.
    /// </summary>
    private static string ConnectionString(string path)
    {
        string full = Path.GetFullPath(path);
        bool inUse = File.Exists(full + "-wal");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = inUse ? full : new Uri(full).AbsoluteUri + "?immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        };
        return builder.ToString();
    }

    private static List<string> TableNames(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid;";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static TableReport Table(SqliteConnection connection, string table, int maxRows, CellFormatter cells)
    {
        string quoted = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        long count;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT COUNT(*) FROM {quoted};";
            count = (long)command.ExecuteScalar()!;
        }

        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT * FROM {quoted} LIMIT $n;";
        select.Parameters.AddWithValue("$n", maxRows);
        using var reader = select.ExecuteReader();
        string[] columns = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
        int key = Array.FindIndex(columns, c => c.Equals("key", StringComparison.OrdinalIgnoreCase));
        var rows = new List<IReadOnlyList<Cell>>();
        while (reader.Read())
        {
            var row = new Cell[columns.Length];
            string? rowKey = key >= 0 && !reader.IsDBNull(key) ? Convert.ToString(reader.GetValue(key), System.Globalization.CultureInfo.InvariantCulture) : null;
            for (int i = 0; i < columns.Length; i++)
            {
                // In a key-value row the key says what the value is (open_issued_ms is a time).
                string name = rowKey is not null && columns[i].Equals("value", StringComparison.OrdinalIgnoreCase) ? rowKey : columns[i];
                row[i] = cells.Format(reader.GetValue(i), name);
            }

            rows.Add(row);
        }

        return new TableReport(table, count, columns, rows);
    }
}
