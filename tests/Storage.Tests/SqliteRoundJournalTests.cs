using System.Buffers;
using EdgeFL.Core.Models;
using EdgeFL.Core.Rounds;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Storage.Tests;

/// <summary>The rounds' journal on a real file: every append committed before it returns, concurrent ones grouped.</summary>
public sealed class SqliteRoundJournalTests : IDisposable
{
    private static readonly ModelState Model = new([NamedTensor.FromFloat32("w", [1], [0f])]);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"edgefl-journal-{Guid.NewGuid():N}");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task ConcurrentAppends_AreAllCommitted_InFewerOrEqualTransactions_AndSurviveAReopen()
    {
        string path = Path.Combine(_dir, "gateway.db");
        const int Appends = 64;
        using (var db = StateDatabase.Open(path, Journal.Schema, NullLogger.Instance))
        {
            var journal = new SqliteRoundJournal(db);
            using var start = new Barrier(8);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
            {
                start.SignalAndWait();
                for (int i = t; i < Appends; i += 8)
                {
                    byte[] payload = [(byte)i, 1, 2, 3];
                    journal.Append(5, new Contribution($"dev-{i:D2}", $"dev-{i:D2}@5", 5, 10, Model), new ReadOnlySequence<byte>(payload));
                }
            })));
            Assert.InRange(journal.Commits, 1, Appends);
        }

        using var again = StateDatabase.Open(path, Journal.Schema, NullLogger.Instance);
        var rows = again.Read(c => Journal.Read(c, 5, out _));
        Assert.Equal(Appends, rows.Count);
        Assert.Equal(Enumerable.Range(0, Appends).Select(i => $"dev-{i:D2}").Order(), rows.Select(r => r.Sender).Order());
        Assert.All(rows, r => Assert.Equal(r.Payload[1..], (byte[])[1, 2, 3]));
    }

    [Fact]
    public void AFailedCommit_FailsTheAppend_AndTheNextAppendStillWorks()
    {
        var db = StateDatabase.Open(Path.Combine(_dir, "gateway.db"), Journal.Schema, NullLogger.Instance);
        var journal = new SqliteRoundJournal(db);
        db.Dispose();
        Assert.Throws<ObjectDisposedException>(() => journal.Append(1, new Contribution("a", "a@1", 1, 1, Model), new ReadOnlySequence<byte>([1])));

        using var reopened = StateDatabase.Open(Path.Combine(_dir, "gateway.db"), Journal.Schema, NullLogger.Instance);
        var working = new SqliteRoundJournal(reopened);
        working.Append(1, new Contribution("a", "a@1", 1, 1, Model), new ReadOnlySequence<byte>([1]));
        Assert.Single(reopened.Read(c => Journal.Read(c, null, out _)));
    }
}
