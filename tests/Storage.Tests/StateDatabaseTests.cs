using EdgeFL.Tests.Shared.Logging;
using Microsoft.Data.Sqlite;
using Xunit.Sdk;

namespace EdgeFL.Storage.Tests;

public sealed class StateDatabaseTests : IDisposable
{
    private readonly StateFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Open_CreatesTheFileAndItsFolder()
    {
        string path = Path.Combine(_folder.Directory, "nested", "deeper", "state.db");
        using var db = StateDatabase.Open(path, StateFolder.Schema, _folder.Errors.Logger("storage"));

        Assert.True(File.Exists(path));
        Assert.Equal(path, db.Path);
        Assert.True(db.IsDurable);
        Assert.Null(db.QuarantinedFile);
        Assert.Equal(0L, db.Read(c => Count(c, "kv")));
    }

    [Fact]
    public void Open_SetsWalModeFullSyncAndForeignKeys()
    {
        using var db = _folder.Open();

        Assert.Equal("wal", db.Read(c => Scalar(c, "PRAGMA journal_mode;")));
        Assert.Equal("2", db.Read(c => Scalar(c, "PRAGMA synchronous;"))); // FULL: every commit is synced
        Assert.Equal("1", db.Read(c => Scalar(c, "PRAGMA foreign_keys;")));
    }

    [Fact]
    public void Commit_SurvivesClosingAndReopening()
    {
        using (var db = _folder.Open())
        {
            db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 41L));
            db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 42L));
        }

        using var reopened = _folder.Open();
        Assert.Equal(42L, reopened.Read(c => KeyValue.GetInt64(c, "round")));
        Assert.Null(reopened.QuarantinedFile);
    }

    [Fact]
    public void Commit_IsInTheWalBeforeAnyCheckpoint_SoACopyTakenAsIfKilledHoldsIt()
    {
        using var db = _folder.Open();
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 7L));

        // The process "dies" here: the files as they are on disk, the connection never closed (no checkpoint).
        Assert.True(File.Exists(_folder.File() + "-wal"));
        CopyAsIfKilled(_folder.File(), "crashed.db");

        using var recovered = _folder.Open("crashed.db");
        Assert.Equal(7L, recovered.Read(c => KeyValue.GetInt64(c, "round")));
    }

    [Fact]
    public void Transaction_InProgressWhenKilled_IsNotInTheFile()
    {
        using var db = _folder.Open();
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 1L));
        string? crashed = null;
        Assert.Throws<InvalidOperationException>(() => db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "round", 2L);
            crashed = CopyAsIfKilled(_folder.File(), "crashed.db");
            throw new InvalidOperationException("the work fails");
        }));

        Assert.NotNull(crashed);
        using var recovered = _folder.Open("crashed.db");
        Assert.Equal(1L, recovered.Read(c => KeyValue.GetInt64(c, "round")));
    }

    [Fact]
    public void Transaction_ThatThrows_IsRolledBackAndTheDatabaseStaysUsable()
    {
        using (var db = _folder.Open())
        {
            db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 1L));

            var ex = Assert.Throws<InvalidOperationException>(() => db.InTransaction((c, tx) =>
            {
                KeyValue.Set(c, tx, "round", 2L);
                KeyValue.Set(c, tx, "uploads", 9L);
                throw new InvalidOperationException("the work fails half way");
            }));

            Assert.Equal("the work fails half way", ex.Message);
            Assert.Equal(1L, db.Read(c => KeyValue.GetInt64(c, "round")));
            Assert.Null(db.Read(c => KeyValue.GetInt64(c, "uploads")));

            Assert.Equal(3L, db.InTransaction((c, tx) =>
            {
                KeyValue.Set(c, tx, "round", 3L);
                return KeyValue.GetInt64(c, "round", tx);
            }));
        }

        using var reopened = _folder.Open();
        Assert.Equal(3L, reopened.Read(c => KeyValue.GetInt64(c, "round")));
        Assert.Null(reopened.Read(c => KeyValue.GetInt64(c, "uploads")));
    }

    [Fact]
    public void Transaction_RefusedBySqlite_IsRolledBackWhole()
    {
        using var db = _folder.Open();

        // kv.value is NOT NULL: the second statement fails, and the first must not stay.
        Assert.Throws<SqliteException>(() => db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "round", 5L);
            KeyValue.Set(c, tx, "broken", DBNull.Value);
        }));

        Assert.Equal(0L, db.Read(c => Count(c, "kv")));
    }

    [Fact]
    public void CorruptFile_IsMovedAsideAndReplacedByAnEmptyDatabase()
    {
        _folder.Errors.Expect(5001); // StorageLog.Quarantined: the test corrupts the file on purpose
        byte[] garbage = "this is not a SQLite database, it is what a failing card left behind\n"u8.ToArray();
        garbage = Enumerable.Repeat(garbage, 100).SelectMany(b => b).ToArray();
        File.WriteAllBytes(_folder.File(), garbage);

        using var db = _folder.Open();

        Assert.NotNull(db.QuarantinedFile);
        Assert.StartsWith(_folder.File() + ".corrupt-", db.QuarantinedFile, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(db.QuarantinedFile!)); // kept as it was, for inspection
        Assert.Equal(0L, db.Read(c => Count(c, "kv")));
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 1L));
        var quarantine = Assert.Single(_folder.Errors.Errors);
        Assert.Contains(db.QuarantinedFile!, quarantine.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quarantine_TheTestDidNotDeclare_FailsItAtTheEndListingTheError()
    {
        // The error-log guard (tests/Shared/Logging/ErrorLog.cs) on a real error: undeclared, it fails the test.
        var errors = new ErrorLog();
        File.WriteAllBytes(_folder.File(), new byte[4096]);
        using (StateDatabase.Open(_folder.File(), StateFolder.Schema, errors.Logger("storage")))
        {
        }

        var failure = Assert.Throws<FailException>(errors.Dispose);
        Assert.Contains("[5001 Quarantined]", failure.Message, StringComparison.Ordinal);
        Assert.Contains(_folder.File(), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileWithATableUnlikeTheSchema_IsQuarantined()
    {
        _folder.Errors.Expect(5001);
        using (var other = new SqliteConnection($"Data Source={_folder.File()};Pooling=False"))
        {
            other.Open();
            using var command = other.CreateCommand();
            command.CommandText = "CREATE TABLE kv (key TEXT, something_else INTEGER); INSERT INTO kv VALUES ('round', 3);";
            command.ExecuteNonQuery();
        }

        using var db = _folder.Open();

        Assert.NotNull(db.QuarantinedFile);
        Assert.Null(db.Read(c => KeyValue.GetInt64(c, "round")));
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 4L));
        Assert.Equal(4L, db.Read(c => KeyValue.GetInt64(c, "round")));
    }

    [Fact]
    public void TruncatedFile_IsQuarantined()
    {
        _folder.Errors.Expect(5001);
        using (var db = _folder.Open())
        {
            db.InTransaction((c, tx) =>
            {
                for (int i = 0; i < 200; i++)
                {
                    KeyValue.Set(c, tx, $"key-{i}", new byte[1000]);
                }
            });
        }

        byte[] whole = File.ReadAllBytes(_folder.File());
        byte[] truncated = whole[..(whole.Length / 2)];
        File.WriteAllBytes(_folder.File(), truncated);

        using var reopened = _folder.Open();

        Assert.NotNull(reopened.QuarantinedFile);
        Assert.Equal(truncated, File.ReadAllBytes(reopened.QuarantinedFile!));
        Assert.Equal(0L, reopened.Read(c => Count(c, "kv")));
    }

    [Fact]
    public void EmptyFile_IsANewDatabaseNotACorruptOne()
    {
        File.WriteAllBytes(_folder.File(), []);

        using var db = _folder.Open();

        Assert.Null(db.QuarantinedFile);
        Assert.Empty(_folder.Errors.Errors);
        Assert.Empty(Directory.GetFiles(_folder.Directory, "*.corrupt-*"));
    }

    [Fact]
    public void InMemory_KeepsStateForItsLifetimeOnlyAndWritesNoFile()
    {
        string before = Environment.CurrentDirectory;
        using (var db = StateDatabase.Open(StateDatabase.InMemory, StateFolder.Schema, _folder.Errors.Logger("storage")))
        {
            Assert.False(db.IsDurable);
            Assert.Equal(StateDatabase.InMemory, db.Path);
            Assert.Null(db.QuarantinedFile);
            db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 9L));
            Assert.Equal(9L, db.Read(c => KeyValue.GetInt64(c, "round")));
        }

        using var again = StateDatabase.Open(StateDatabase.InMemory, StateFolder.Schema, _folder.Errors.Logger("storage"));
        Assert.Null(again.Read(c => KeyValue.GetInt64(c, "round")));
        Assert.False(File.Exists(Path.Combine(before, StateDatabase.InMemory)));
    }

    [Fact]
    public void PathIn_KeepsInMemoryAndJoinsAFolder()
    {
        Assert.Equal(StateDatabase.InMemory, StateDatabase.PathIn(StateDatabase.InMemory, "gateway.db"));
        Assert.Equal(Path.Combine(_folder.Directory, "gateway.db"), StateDatabase.PathIn(_folder.Directory, "gateway.db"));
    }

    [Fact]
    public void Dispose_RefusesLaterWorkAndMayBeRepeated()
    {
        var db = _folder.Open();
        db.Dispose();
        db.Dispose();

        Assert.Throws<ObjectDisposedException>(() => db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 1L)));
        Assert.Throws<ObjectDisposedException>(() => db.Read(c => KeyValue.GetInt64(c, "round")));
    }

    [Fact]
    public async Task Dispose_WaitsForATransactionInProgressWhichCommits()
    {
        var db = _folder.Open();
        using var inside = new ManualResetEventSlim();
        using var finish = new ManualResetEventSlim();
        var work = Task.Run(() => db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "round", 12L);
            inside.Set();
            finish.Wait();
        }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));

        var closing = Task.Run(db.Dispose);
        finish.Set();
        await work.WaitAsync(TimeSpan.FromSeconds(30));
        await closing.WaitAsync(TimeSpan.FromSeconds(30));

        using var reopened = _folder.Open();
        Assert.Equal(12L, reopened.Read(c => KeyValue.GetInt64(c, "round")));
    }

    private string CopyAsIfKilled(string path, string name)
    {
        string copy = _folder.File(name);
        File.Copy(path, copy);
        if (File.Exists(path + "-wal"))
        {
            File.Copy(path + "-wal", copy + "-wal");
        }

        return copy;
    }

    internal static long Count(SqliteConnection c, string table) => Convert.ToInt64(Scalar(c, $"SELECT count(*) FROM {table};"), System.Globalization.CultureInfo.InvariantCulture);

    private static string Scalar(SqliteConnection c, string sql)
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
