using Microsoft.Data.Sqlite;

namespace EdgeFL.Storage.Tests;

public sealed class KeyValueTests : IDisposable
{
    private readonly StateFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Int64_RoundTripsAcrossReopen(long value)
    {
        using (var db = _folder.Open())
        {
            db.InTransaction((c, tx) => KeyValue.Set(c, tx, "counter", value));
        }

        using var reopened = _folder.Open();
        Assert.Equal(value, reopened.Read(c => KeyValue.GetInt64(c, "counter")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4 << 20)]
    public void Blob_RoundTripsAcrossReopen(int length)
    {
        byte[] value = new byte[length];
        new Random(length).NextBytes(value);
        using (var db = _folder.Open())
        {
            db.InTransaction((c, tx) => KeyValue.Set(c, tx, "model", value));
        }

        using var reopened = _folder.Open();
        Assert.Equal(value, reopened.Read(c => KeyValue.GetBlob(c, "model")));
    }

    [Fact]
    public void Set_ReplacesTheValueOfAKey()
    {
        using var db = _folder.Open();
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 1L));
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 2L));

        Assert.Equal(2L, db.Read(c => KeyValue.GetInt64(c, "round")));
        Assert.Equal(1L, db.Read(c => StateDatabaseTests.Count(c, "kv")));
    }

    [Fact]
    public void MissingKey_ReadsAsNull()
    {
        using var db = _folder.Open();

        Assert.Null(db.Read(c => KeyValue.GetInt64(c, "nothing")));
        Assert.Null(db.Read(c => KeyValue.GetBlob(c, "nothing")));
    }

    [Fact]
    public void Delete_RemovesTheKeyOnly()
    {
        using var db = _folder.Open();
        db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "a", 1L);
            KeyValue.Set(c, tx, "b", 2L);
        });
        db.InTransaction((c, tx) => KeyValue.Delete(c, tx, "a"));
        db.InTransaction((c, tx) => KeyValue.Delete(c, tx, "never there"));

        Assert.Null(db.Read(c => KeyValue.GetInt64(c, "a")));
        Assert.Equal(2L, db.Read(c => KeyValue.GetInt64(c, "b")));
    }

    [Fact]
    public void Keys_AreExactStrings()
    {
        using var db = _folder.Open();
        db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "", 1L);
            KeyValue.Set(c, tx, "Round", 2L);
            KeyValue.Set(c, tx, "round", 3L);
            KeyValue.Set(c, tx, "rönd/ü 🙂", 4L);
        });

        Assert.Equal([1L, 2L, 3L, 4L], db.Read(c => new[] { "", "Round", "round", "rönd/ü 🙂" }.Select(k => KeyValue.GetInt64(c, k)!.Value).ToArray()));
    }

    [Fact]
    public void GetBlob_OfAnInteger_IsNull()
    {
        using var db = _folder.Open();
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", 5L));

        Assert.Null(db.Read(c => KeyValue.GetBlob(c, "round")));
    }

    [Fact]
    public void GetInt64_OfABlob_Throws()
    {
        // The services read a counter holding the wrong type as an unreadable state (DELIVERY.md): the helper must not guess.
        using var db = _folder.Open();
        db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", new byte[] { 1, 2, 3 }));

        Assert.ThrowsAny<InvalidCastException>(() => db.Read(c => KeyValue.GetInt64(c, "round")));
    }

    [Fact]
    public void NullValue_IsRefused()
    {
        using var db = _folder.Open();

        var ex = Assert.Throws<SqliteException>(() => db.InTransaction((c, tx) => KeyValue.Set(c, tx, "round", DBNull.Value)));
        Assert.Equal(19, ex.SqliteErrorCode); // SQLITE_CONSTRAINT: value is NOT NULL
    }

    [Fact]
    public void ReadInsideATransaction_SeesItsOwnUncommittedWrite()
    {
        using var db = _folder.Open();

        long? seen = db.InTransaction((c, tx) =>
        {
            KeyValue.Set(c, tx, "round", 8L);
            return KeyValue.GetInt64(c, "round", tx);
        });

        Assert.Equal(8L, seen);
    }
}
