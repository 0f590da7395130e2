using EdgeFL.Tests.Shared.Logging;
using Microsoft.Data.Sqlite;

namespace EdgeFL.Storage.Tests;

/// <summary>A temporary folder for real SQLite files, and the error log of what opened them; deleted on dispose.</summary>
internal sealed class StateFolder : IDisposable
{
    /// <summary>A key-value table and a table of streamed rows: enough schema to exercise both helpers.</summary>
    public const string Schema = KeyValue.Schema + "CREATE TABLE IF NOT EXISTS payloads (id INTEGER PRIMARY KEY, body BLOB NOT NULL);";

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("edgefl-storage-").FullName;

    /// <summary>Errors the databases logged; a test that corrupts a file declares the quarantine expected.</summary>
    public ErrorLog Errors { get; } = new();

    public string File(string name = "state.db") => Path.Combine(Directory, name);

    public StateDatabase Open(string name = "state.db") => StateDatabase.Open(File(name), Schema, Errors.Logger("storage"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
        Errors.Dispose();
    }
}
