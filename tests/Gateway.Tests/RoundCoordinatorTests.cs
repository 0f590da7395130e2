using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

public sealed class RoundCoordinatorTests
{
    private readonly GatewayMetrics _metrics = new();

    private RoundCoordinator Create(GatewayOptions? options = null)
    {
        var coordinator = new RoundCoordinator(options ?? new GatewayOptions(), _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        return coordinator;
    }

    [Fact]
    public void Aggregate_WeightsBySampleCount()
    {
        var coordinator = Create();
        var opened = coordinator.BeginRound();
        Assert.Equal(1, opened.Round);
        var a = TestModels.Filled(1);
        var b = TestModels.Filled(4);
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 300, a)));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("b", TestModels.Payload("b", 1, 100, b)));

        var result = coordinator.CloseRound(RoundCloseReason.Quorum);

        Assert.True(result.ModelUpdated);
        Assert.Equal(2, result.Accepted);
        Assert.Equal(400, result.Samples);
        var expected = Aggregate.WeightedMean([(a, 300), (b, 100)]);
        var actual = coordinator.Snapshot(0).Model;
        Assert.Equal(expected.Tensors[0].AsFloat32().ToArray(), actual.Tensors[0].AsFloat32().ToArray());
        Assert.Equal(1.75f, actual.Tensors[0].AsFloat32()[0], 5);
        Assert.Equal(1, coordinator.Version);
    }

    [Fact]
    public void Update_ForAnotherRound_IsRejectedAndCounted()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.WrongRound, coordinator.OnUpdate("a", TestModels.Payload("a", 7, 10, TestModels.Filled(1))));
        Assert.Equal(1, _metrics.RejectedByReason["WrongRound"]);
        Assert.Equal(1, coordinator.CloseRound(RoundCloseReason.Deadline).Rejected);
    }

    [Fact]
    public void Update_RepeatFromSameDevice_IsRejected()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1))));
        Assert.Equal(AdmissionOutcome.Duplicate, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(100))));
        coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.Equal(1f, coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0]);
    }

    [Fact]
    public void Update_Malformed_TruncatedOrForeign_IsRejectedWithoutHarm()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        byte[] valid = WireCodec.Encode(TestModels.Update("a", 1, 10, TestModels.Filled(1)));
        Assert.Equal(AdmissionOutcome.Malformed, coordinator.OnUpdate("a", new ReadOnlySequence<byte>(valid.AsMemory(0, valid.Length / 2))));
        Assert.Equal(AdmissionOutcome.Malformed, coordinator.OnUpdate("a", new ReadOnlySequence<byte>("not msgpack"u8.ToArray())));
        Assert.Equal(AdmissionOutcome.SenderMismatch, coordinator.OnUpdate("b", new ReadOnlySequence<byte>(valid)));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", new ReadOnlySequence<byte>(valid)));
    }

    [Fact]
    public void Update_WithWrongShapeOrNaN_IsInvalid()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Invalid, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1, size: 8))));
        Assert.Equal(AdmissionOutcome.Invalid, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(float.NaN))));
        Assert.Equal(AdmissionOutcome.Invalid, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 0, TestModels.Filled(1))));
        var result = coordinator.CloseRound(RoundCloseReason.Deadline);
        Assert.False(result.ModelUpdated);
        Assert.Equal(0f, coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0]);
        Assert.Equal(3, _metrics.RejectedByReason["Invalid"]);
    }

    [Fact]
    public void Update_OverTheByteLimit_IsNotDecoded()
    {
        var coordinator = Create(new GatewayOptions { Updates = new UpdateLimitOptions { MaxBytes = 1024 } });
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.TooLarge, coordinator.OnUpdate("a", new ReadOnlySequence<byte>(new byte[2048])));
    }

    [Fact]
    public void Update_BetweenRounds_IsRejected()
    {
        var coordinator = Create();
        Assert.Equal(AdmissionOutcome.NoOpenRound, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1))));
    }

    [Fact]
    public void LateUpdate_BetweenRounds_IsHeldAndFoldedIntoTheNextRound_WithTheStalenessDiscount()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 100, TestModels.Filled(1))));
        coordinator.CloseRound(RoundCloseReason.Quorum);

        // Round 1 closed, round 2 not open yet: b's update for round 1 is held, not refused.
        Assert.Equal(AdmissionOutcome.Held, coordinator.OnUpdate("b", TestModels.Payload("b", 1, 100, TestModels.Filled(5))));
        Assert.Equal(1, _metrics.LateHeld);
        Assert.Empty(_metrics.RejectedByReason);

        // Its QoS 1 resend is held once only.
        Assert.Equal(AdmissionOutcome.NoOpenRound, coordinator.OnUpdate("b", TestModels.Payload("b", 1, 100, TestModels.Filled(5))));

        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("c", TestModels.Payload("c", 2, 100, TestModels.Filled(3))));
        var result = coordinator.CloseRound(RoundCloseReason.Quorum);

        Assert.Equal((2, 1, 1), (result.Accepted, result.Stale, result.Late));
        Assert.Equal(1, _metrics.LateFolded);

        // b is one round stale in round 2: weight 100 / sqrt(2) against c's 100.
        double wb = 100 / Math.Sqrt(2);
        Assert.Equal((float)(((5 * wb) + (3 * 100)) / (wb + 100)), coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0], 4);
    }

    [Fact]
    public void LateUpdates_PastTheHoldingLimitOrTheStalenessBound_AreRefused()
    {
        var coordinator = Create(new GatewayOptions { Staleness = new StalenessOptions { MaxRounds = 1, MaxLateUpdates = 1 } });
        coordinator.BeginRound();
        coordinator.CloseRound(RoundCloseReason.Deadline);
        coordinator.BeginRound();
        coordinator.CloseRound(RoundCloseReason.Deadline);

        // Version 2: an update for round 1 would be 2 rounds stale in round 3, past MaxRounds 1.
        Assert.Equal(AdmissionOutcome.NoOpenRound, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1))));
        Assert.Equal(AdmissionOutcome.Held, coordinator.OnUpdate("b", TestModels.Payload("b", 2, 10, TestModels.Filled(1))));
        Assert.Equal(AdmissionOutcome.NoOpenRound, coordinator.OnUpdate("c", TestModels.Payload("c", 2, 10, TestModels.Filled(1))));
        Assert.Equal(2, _metrics.RejectedByReason["NoOpenRound"]);
    }

    [Fact]
    public void LateUpdates_AreRefused_WhenHoldingIsOff()
    {
        var coordinator = Create(new GatewayOptions { Staleness = new StalenessOptions { MaxLateUpdates = 0 } });
        coordinator.BeginRound();
        coordinator.CloseRound(RoundCloseReason.Deadline);
        Assert.Equal(AdmissionOutcome.NoOpenRound, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1))));
    }

    [Fact]
    public void QuantizedUpdates_AreFoldedLikeFloatOnes()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, Quantizer.Quantize(TestModels.Filled(2)))));
        coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.Equal(2f, coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0], 2);
    }

    [Fact]
    public void Quorum_CountsUpdatesAndDeclines_AgainstDevicesOnline()
    {
        var coordinator = Create(new GatewayOptions { Rounds = new RoundOptions { QuorumFraction = 0.5 } });
        coordinator.BeginRound();
        string[] online = ["a", "b", "c", "d"];
        Assert.False(coordinator.IsQuorumReached(online));
        coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1)));
        Assert.False(coordinator.IsQuorumReached(online));
        coordinator.OnDecline("b", new Core.Messages.RoundDecline("b", 1, "battery"));
        Assert.True(coordinator.IsQuorumReached(online));
    }

    [Fact]
    public void Quorum_IsNeverReached_WithNoDevicesAtAll()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        Assert.False(coordinator.IsQuorumReached([]));
    }

    [Fact]
    public void RoundWithoutUpdates_KeepsTheModel_ButAdvancesTheRound()
    {
        var coordinator = Create();
        coordinator.BeginRound();
        var result = coordinator.CloseRound(RoundCloseReason.Deadline);
        Assert.False(result.ModelUpdated);
        Assert.Equal(2, coordinator.BeginRound().Round);
    }

    [Fact]
    public void RobustMedian_IgnoresAnOutlier_ThatWouldDragFedAvg()
    {
        var options = new GatewayOptions { Aggregation = new AggregationOptions { Strategy = AggregationRule.Median } };
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        coordinator.BeginRound();
        coordinator.OnUpdate("a", TestModels.Payload("a", 1, 100, TestModels.Filled(1)));
        coordinator.OnUpdate("b", TestModels.Payload("b", 1, 100, TestModels.Filled(2)));
        coordinator.OnUpdate("evil", TestModels.Payload("evil", 1, 100, TestModels.Filled(1000)));
        coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.Equal(2f, coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0]);
    }

    /// <summary>
    /// The payload is lent to <see cref="RoundCoordinator.OnUpdate(string, ReadOnlySequence{byte})"/> for the call only (with the
    /// embedded broker it is the broker's receive buffer). Here every update arrives in one buffer that is
    /// reused for the next message and then overwritten: a strategy that kept the zero-copy decoded update
    /// would take the median of the last message's bytes (or of NaN) rather than of the five updates.
    /// </summary>
    [Theory]
    [InlineData(AggregationRule.Median, 0.0)]
    [InlineData(AggregationRule.TrimmedMean, 0.0)]
    [InlineData(AggregationRule.Median, 20.0)]
    public void RobustRules_OwnTheUpdatesTheyHold_WhenTheReceiveBufferIsReused(AggregationRule strategy, double clipNorm)
    {
        var options = new GatewayOptions { Aggregation = new AggregationOptions { Strategy = strategy, TrimFraction = 0.2, ClipNorm = clipNorm } };
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        coordinator.BeginRound();
        float[] values = [1, 2, 3, 4, 1000];
        var receive = new byte[4096];
        for (int i = 0; i < values.Length; i++)
        {
            byte[] payload = WireCodec.Encode(TestModels.Update($"d{i}", 1, 100, TestModels.Filled(values[i])));
            payload.CopyTo(receive, 0);
            Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate($"d{i}", new ReadOnlySequence<byte>(receive, 0, payload.Length)));
            Array.Fill(receive, (byte)0xFF);
        }

        Assert.True(coordinator.CloseRound(RoundCloseReason.Quorum).ModelUpdated);
        // Median of 1, 2, 3, 4, 1000 (or trimmed mean dropping one at each end): 3; with clipping to a norm of 20
        // the last update is pulled back to 7.07 and the middle value stays 3.
        Assert.Equal(3f, coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0]);
    }

    [Fact]
    public void RobustRule_RefusesUpdatesPastItsCapacity()
    {
        var options = new GatewayOptions { Aggregation = new AggregationOptions { Strategy = AggregationRule.TrimmedMean, MaxUpdates = 2 } };
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 100, TestModels.Filled(1))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("b", TestModels.Payload("b", 1, 100, TestModels.Filled(2))));
        Assert.Equal(AdmissionOutcome.Invalid, coordinator.OnUpdate("c", TestModels.Payload("c", 1, 100, TestModels.Filled(3))));
        Assert.Equal(2, coordinator.CloseRound(RoundCloseReason.Quorum).Accepted);
    }

    [Fact]
    public void AggregationOptions_NameTheBadKey()
    {
        var problems = new AggregationOptions { Strategy = (AggregationRule)7, TrimFraction = 0.7, ClipNorm = -1, MaxUpdates = 0 }.Problems("Gateway:Aggregation").ToArray();
        Assert.Equal(4, problems.Length);
        Assert.Contains(problems, p => p.StartsWith("Gateway:Aggregation:Strategy", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Gateway:Aggregation:TrimFraction", StringComparison.Ordinal));
    }
}
