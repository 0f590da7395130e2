using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Storage;

/// <summary>
/// One SQLite file holding a service's durable state, in WAL mode with a full sync on every commit:
/// a committed transaction survives a crash or a power cut. A file that SQLite cannot read as a
/// database is moved aside (kept for inspection) and replaced by an empty one, with an error log line,
/// so a corrupt file never becomes a crash loop.
/// </summary>
public sealed class StateDatabase : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private bool _disposed;

    private StateDatabase(SqliteConnection connection, string path, string? quarantined)
    {
        _connection = connection;
        Path = path;
        QuarantinedFile = quarantined;
    }

    /// <summary>The directory value that keeps state in memory only: nothing survives a restart.</summary>
    public const string InMemory = ":memory:";

    /// <summary>The database file (<see cref="InMemory"/> for an in-memory database).</summary>
    public string Path { get; }

    /// <summary>True when the state survives the process (a file, not memory).</summary>
    public bool IsDurable => Path != InMemory;

    /// <summary>
    /// True when <paramref name="exception"/> says the state could not be written for want of room or because
    /// the disk failed (SQLITE_FULL, SQLITE_IOERR, ENOSPC): a condition that may pass, unlike a bug.
    /// </summary>
    public static bool IsOutOfSpace(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: 13 or 10 })
            {
                return true;
            }

            if (e is IOException io && (io.HResult == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The state folder a service uses by default: systemd's $STATE_DIRECTORY, else ./state.</summary>
    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("STATE_DIRECTORY")?.Split(':')[0] is { Length: > 0 } systemd ? systemd : "state";

    /// <summary>The database file <paramref name="file"/> in <paramref name="directory"/>, or <see cref="InMemory"/>.</summary>
    public static string PathIn(string directory, string file) =>
        directory == InMemory ? InMemory : System.IO.Path.Combine(directory, file);

    /// <summary>Where a corrupt file found at open was moved, if one was.</summary>
    public string? QuarantinedFile { get; }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>, running <paramref name="schema"/> once.</summary>
    public static StateDatabase Open(string path, string schema, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path == InMemory)
        {
            return new StateDatabase(Connect(path, schema), path, null);
        }

        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        try
        {
            return new StateDatabase(Connect(path, schema), path, null);
        }
        catch (SqliteException ex) when (IsCorruption(ex))
        {
            string aside = $"{path}.corrupt-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}";
            SqliteConnection.ClearAllPools();
            foreach (string suffix in new[] { "", "-wal", "-shm" })
            {
                if (File.Exists(path + suffix))
                {
                    File.Move(path + suffix, aside + suffix, overwrite: true);
                }
            }

            StorageLog.Quarantined(logger, path, aside, ex.Message);
            return new StateDatabase(Connect(path, schema), path, aside);
        }
    }

    /// <summary>Runs <paramref name="work"/> inside one transaction, committed (and synced) when it returns.</summary>
    public T InTransaction<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction();
            T result = work(_connection, tx);
            tx.Commit();
            return result;
        }
    }

    /// <summary>Runs <paramref name="work"/> inside one transaction.</summary>
    public void InTransaction(Action<SqliteConnection, SqliteTransaction> work) =>
        InTransaction((c, t) =>
        {
            work(c, t);
            return 0;
        });

    /// <summary>Reads outside a transaction (serialised with writers).</summary>
    public T Read<T>(Func<SqliteConnection, T> read)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return read(_connection);
        }
    }

    /// <summary>Closes the file; waits for a transaction in progress on another thread, and refuses work after.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _connection.Dispose();
            }
        }
    }

    private static SqliteConnection Connect(string path, string schema)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=FULL;");
            Execute(connection, "PRAGMA foreign_keys=ON;");
            string check = Scalar(connection, "PRAGMA integrity_check(1);");
            if (!string.Equals(check, "ok", StringComparison.OrdinalIgnoreCase))
            {
                throw new SqliteException($"integrity check failed: {check}", 11);
            }

            Execute(connection, schema);
            CheckSchema(connection, schema);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Every table and index of <paramref name="schema"/> must be in the file exactly as the schema
    /// declares it. CREATE ... IF NOT EXISTS keeps whatever a damaged file holds under those names, and a
    /// table with other columns would fail every query later: such a file counts as corrupt.
    /// </summary>
    private static void CheckSchema(SqliteConnection connection, string schema)
    {
        var want = ExpectedDefinitions.GetOrAdd(schema, s =>
        {
            using var expected = new SqliteConnection("Data Source=:memory:");
            expected.Open();
            Execute(expected, s);
            return Definitions(expected);
        });
        var have = Definitions(connection);
        foreach (var (name, sql) in want)
        {
            if (!have.TryGetValue(name, out string? found) || found != sql)
            {
                throw new SqliteException($"the definition of '{name}' differs from the schema", 11);
            }
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Dictionary<string, string>> ExpectedDefinitions = new(StringComparer.Ordinal);

    private static Dictionary<string, string> Definitions(SqliteConnection connection)
    {
        var definitions = new Dictionary<string, string>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            definitions[Convert.ToString(reader[0], System.Globalization.CultureInfo.InvariantCulture) ?? ""] = Convert.ToString(reader[1], System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }

        return definitions;
    }

    // SQLITE_CORRUPT, SQLITE_NOTADB, and SQLITE_ERROR: our pragmas and schema are fixed, valid SQL, so an
    // error from them on open means a file SQLite cannot use ("unsupported file format", a damaged schema).
    // Busy, read-only, I/O and full-disk errors are not the file's fault and are left to surface.
    private static bool IsCorruption(SqliteException ex) => ex.SqliteErrorCode is 1 or 11 or 26;

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
