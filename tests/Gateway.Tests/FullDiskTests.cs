using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Rounds;
using EdgeFL.Gateway.State;
using EdgeFL.Hosting;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 15, finding 4 (the full disk): SQLite's "Error 13: database or disk is full" ended the gateway
/// with exit code 0, and an update that could not be journaled was still acknowledged. SQLite's
/// max_page_count gives the real SQLITE_FULL on a real file: the update is refused as Unavailable (the
/// device keeps it), the round loop's writes wait and are tried again, and once there is room again
/// everything goes on with nothing accepted lost.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-full-disk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private StateDatabase Open() => StateDatabase.Open(Path.Combine(_dir, "gateway.db"), GatewayStateStore.Schema + DurableOutbox.Schema, NullLogger.Instance);

    /// <summary>Lets the database grow no more (SQLITE_FULL on the next page it needs), or again without bound.</summary>
    private static void Fill(StateDatabase db, bool full) => db.Read(c =>
    {
        using var count = c.CreateCommand();
        count.CommandText = "PRAGMA page_count;";
        long pages = (long)count.ExecuteScalar()!;
        using var limit = c.CreateCommand();
        limit.CommandText = $"PRAGMA max_page_count = {(full ? pages : 1_000_000_000)};";
        return limit.ExecuteScalar();
    });

    [Fact]
    public void AnUpdateThatCannotBeJournaled_IsRefusedAsUnavailable_AndTakenWhenSpaceReturns()
    {
        using var db = Open();
        var store = new GatewayStateStore(db);
        var metrics = new GatewayMetrics();
        var rounds = new RoundCoordinator(new GatewayOptions(), metrics, NullLogger.Instance, new ManualTimeProvider(), store);
        var model = TestModels.Message(TestModels.Filled(0, size: 4096));
        store.SaveAdopted(model, 0, -1);
        rounds.Adopt(model);
        long round = rounds.BeginRound().Round;
        Assert.Equal(AdmissionOutcome.Accepted, rounds.OnUpdate("a", TestModels.Payload("a", round, 10, TestModels.Filled(1, size: 4096))));

        Fill(db, full: true);
        Assert.Equal(AdmissionOutcome.Unavailable, rounds.OnUpdate("b", TestModels.Payload("b", round, 10, TestModels.Filled(2, size: 4096))));
        Assert.Equal(1, metrics.RejectedByReason["Unavailable"]);

        Fill(db, full: false);
        Assert.Equal(AdmissionOutcome.Accepted, rounds.OnUpdate("b", TestModels.Payload("b", round, 10, TestModels.Filled(2, size: 4096))));
        Assert.Equal(2, store.Load()!.Journal.Count);
    }

    [Fact]
    public async Task ARoundLoopWrite_OnAFullDisk_WaitsAndSucceedsWhenSpaceReturns()
    {
        using var db = Open();
        var store = new GatewayStateStore(db);
        var model = TestModels.Message(TestModels.Filled(0, size: 4096));
        store.SaveAdopted(model, 0, -1);
        var logger = new EventSignal(2029);
        var writes = new StateWrites(new GatewayOptions(), TimeProvider.System, logger);

        Fill(db, full: true);
        var saving = writes.UntilWrittenAsync(
            "saving round 1",
            () => db.InTransaction((c, tx) =>
            {
                store.CloseRound(c, tx, TestModels.Message(TestModels.Filled(7, size: 8192), 1), 1, 0);
                return true;
            }),
            new LoopHeartbeat(TimeProvider.System),
            CancellationToken.None);
        await logger.Seen.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(saving.IsCompleted);

        Fill(db, full: false);
        await saving.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, store.Load()!.Version);
    }

    /// <summary>A logger that completes <see cref="Seen"/> when an event id is logged.</summary>
    private sealed class EventSignal(int eventId) : ILogger
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (id.Id == eventId)
            {
                _seen.TrySetResult();
            }
        }
    }
}
