using System.Buffers;
using EdgeFL.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace EdgeFL.Storage.Tests;

public sealed class StreamedBlobTests : IDisposable
{
    private readonly StateFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 100, 0, 1, 65536 })]
    [InlineData(new[] { 1 << 20, 1 << 20, 1 << 20, 17 })]
    public void Payload_InSegments_IsStoredByteForByteAcrossReopen(int[] segmentLengths)
    {
        var rng = new Random(segmentLengths.Sum());
        byte[][] segments = segmentLengths.Select(n =>
        {
            byte[] s = new byte[n];
            rng.NextBytes(s);
            return s;
        }).ToArray();
        long rowid;
        using (var db = _folder.Open())
        {
            rowid = db.InTransaction((c, tx) => Insert(c, tx, Segmented.Of(segments)));
        }

        using var reopened = _folder.Open();
        Assert.Equal(segments.SelectMany(s => s).ToArray(), reopened.Read(c => Body(c, rowid)));
    }

    [Fact]
    public void Rows_AreIndependent()
    {
        using var db = _folder.Open();
        long first = db.InTransaction((c, tx) => Insert(c, tx, Segmented.Of([[1, 2, 3]])));
        long second = db.InTransaction((c, tx) => Insert(c, tx, Segmented.Of([[4], [5, 6]])));

        Assert.NotEqual(first, second);
        Assert.Equal([1, 2, 3], db.Read(c => Body(c, first)));
        Assert.Equal([4, 5, 6], db.Read(c => Body(c, second)));
    }

    [Fact]
    public void Payload_OverSqlitesLengthLimit_IsRefusedAndNothingIsInserted()
    {
        using var db = _folder.Open();
        db.InTransaction((c, tx) => Insert(c, tx, Segmented.Of([[9]])));

        var ex = Assert.Throws<SqliteException>(() => db.InTransaction((c, tx) =>
        {
            // A connection's blob limit, lowered for the test (SQLite's default is 1e9 bytes).
            SQLitePCL.raw.sqlite3_limit(c.Handle, SQLitePCL.raw.SQLITE_LIMIT_LENGTH, 1000);
            Insert(c, tx, Segmented.Of([new byte[600], new byte[600]]));
        }));

        Assert.Equal(18, ex.SqliteErrorCode); // SQLITE_TOOBIG
        Assert.Equal(1L, db.Read(c => StateDatabaseTests.Count(c, "payloads")));
    }

    [Fact]
    public void Insert_ThatFailsWhileWriting_IsRolledBackWithTheRestOfTheTransaction()
    {
        using var db = _folder.Open();

        Assert.Throws<InvalidOperationException>(() => db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "round", 1L);
            Insert(c, tx, Segmented.Of([[1, 2], [3]]));
            throw new InvalidOperationException("a later step of the same transaction fails");
        }));

        Assert.Equal(0L, db.Read(c => StateDatabaseTests.Count(c, "payloads")));
        Assert.Null(db.Read(c => KeyValue.GetInt64(c, "round")));
    }

    [Fact]
    public void Insert_WithoutAnInsertStatement_IsRefused()
    {
        using var db = _folder.Open();

        Assert.Throws<ArgumentNullException>(() => db.InTransaction((c, tx) => StreamedBlob.Insert(c, tx, "payloads", "body", Segmented.Of([[1]]), null!)));
    }

    private static long Insert(SqliteConnection c, SqliteTransaction tx, ReadOnlySequence<byte> payload)
    {
        StreamedBlob.Insert(c, tx, "payloads", "body", payload, command => command.CommandText = "INSERT INTO payloads (body) VALUES (zeroblob($length)) RETURNING rowid;");
        using var last = c.CreateCommand();
        last.Transaction = tx;
        last.CommandText = "SELECT last_insert_rowid();";
        return Convert.ToInt64(last.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Body(SqliteConnection c, long rowid)
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT body FROM payloads WHERE id = $id;";
        command.Parameters.AddWithValue("$id", rowid);
        return (byte[])command.ExecuteScalar()!;
    }
}
