using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.State;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

public sealed class GatewayStateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-state-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private StateDatabase Open() => StateDatabase.Open(Path.Combine(_dir, "gateway.db"), GatewayStateStore.Schema + DurableOutbox.Schema, NullLogger.Instance);

    private static ReadOnlySequence<byte> Encode(string device, long round, long samples, ModelState model) =>
        new(WireCodec.Encode(TestModels.Update(device, round, samples, model)));

    [Fact]
    public void OpenRound_IsRebuiltFromTheJournal_AfterACrash_WithoutCountingTwice()
    {
        var a = TestModels.Filled(1);
        var b = TestModels.Filled(4);
        DateTimeOffset issued;
        using (var db = Open())
        {
            var store = new GatewayStateStore(db);
            var coordinator = new RoundCoordinator(new GatewayOptions(), new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider(), store);
            var seed = TestModels.Message(TestModels.Filled(0));
            coordinator.Adopt(seed);
            store.SaveAdopted(seed, 0, -1);
            issued = coordinator.BeginRound().IssuedAt;
            Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", Encode("a", 1, 300, a)));
            Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("b", Encode("b", 1, 100, b)));
        } // kill -9 here: the round is open, two updates were acknowledged

        using var again = Open();
        var restored = new GatewayStateStore(again).Load()!;
        Assert.Equal(1, restored.OpenRound);
        Assert.Equal(issued, restored.OpenIssuedAt);
        Assert.Equal(2, restored.Journal.Count);

        var resumed = new RoundCoordinator(new GatewayOptions(), new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider(), new GatewayStateStore(again));
        resumed.Adopt(restored.Model with { Round = restored.Version });
        Assert.Equal(issued, resumed.BeginRound(issuedAt: restored.OpenIssuedAt).IssuedAt);
        Assert.Equal(2, resumed.Replay(restored.Journal));
        Assert.Equal(AdmissionOutcome.Duplicate, resumed.OnUpdate("a", Encode("a", 1, 300, a))); // redelivered after the restart
        resumed.CloseRound(RoundCloseReason.Quorum);

        var expected = Aggregate.WeightedMean([(a, 300), (b, 100)]);
        Assert.Equal(expected.Tensors[0].AsFloat32().ToArray(), resumed.Snapshot(0).Model.Tensors[0].AsFloat32().ToArray());
    }

    [Fact]
    public void Journal_StreamsAPayloadOfSeveralSegmentsIntoItsRow_ByteForByte_AndAReplacementOnce()
    {
        var seed = TestModels.Message(TestModels.Filled(0));
        byte[] first = new byte[300_000];
        byte[] second = new byte[5];
        byte[] third = new byte[70_001];
        new Random(3).NextBytes(first);
        new Random(4).NextBytes(third);
        second.AsSpan().Fill(0xAB);
        byte[] whole = [.. first, .. second, .. third];
        using (var db = Open())
        {
            var store = new GatewayStateStore(db);
            store.SaveAdopted(seed, 0, -1);
            store.OpenRound(1, DateTimeOffset.UnixEpoch);
            var a = new Contribution("dev-a", "dev-a@1", 1, 10, seed.Model);
            store.RoundJournal.Append(1, a, new ReadOnlySequence<byte>([1, 2, 3])); // replaced below: same round and id
            store.RoundJournal.Append(1, a, Segmented.Of(first, second, third));
            store.RoundJournal.Append(1, new Contribution("dev-b", "dev-b@0", 0, 10, seed.Model), new ReadOnlySequence<byte>(second));
        }

        using var again = Open();
        var journal = new GatewayStateStore(again).Load()!.Journal;
        Assert.Equal(2, journal.Count);
        Assert.Equal(("dev-a", 1L), (journal[0].SenderId, journal[0].Round));
        Assert.Equal(whole, journal[0].Payload);
        Assert.Equal(("dev-b", 1L), (journal[1].SenderId, journal[1].Round));
        Assert.Equal(second, journal[1].Payload);
    }

    [Fact]
    public void StaleUpdates_CountWithADiscount_AndTooStaleOnesAreDropped()
    {
        var options = new GatewayOptions { Staleness = new StalenessOptions { MaxRounds = 2, Exponent = 1 } };
        var metrics = new GatewayMetrics();
        var coordinator = new RoundCoordinator(options, metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0), round: 4)); // next round is 5
        coordinator.BeginRound();
        var fresh = TestModels.Filled(3);
        var stale = TestModels.Filled(9);
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", Encode("a", 5, 100, fresh)));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("b", Encode("b", 3, 300, stale)));   // 2 rounds stale: weight 300/3
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("b", Encode("b", 5, 100, fresh)));   // the same device, now fresh
        Assert.Equal(AdmissionOutcome.TooStale, coordinator.OnUpdate("c", Encode("c", 2, 100, stale)));   // 3 rounds stale
        Assert.True(coordinator.IsQuorumReached(["a", "b"]));

        var result = coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.Equal((3, 1), (result.Accepted, result.Stale));
        var expected = Aggregate.WeightedMean([(fresh, 100), (stale, 100), (fresh, 100)]);
        Assert.Equal(expected.Tensors[0].AsFloat32()[0], coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0], 4);
        Assert.Equal(1, metrics.RejectedByReason["TooStale"]);
    }
}
