using EdgeFL.Core.Rounds;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 15, finding 7: an all-zero model claiming 10,000,000 samples (the absolute maximum) was accepted
/// and dominated its round. Once a round has set the fleet's median sample count, one update weighs at
/// most Gateway:Updates:MaxSampleRatio times it.
/// </summary>
public sealed class SampleBoundTests
{
    private readonly GatewayMetrics _metrics = new();

    private RoundCoordinator Create(double ratio)
    {
        var options = new GatewayOptions { Updates = new UpdateLimitOptions { MaxSampleRatio = ratio } };
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(1)));
        return coordinator;
    }

    /// <summary>Three honest devices (3,000 samples each, model 1) and one claiming 10^7 samples with an all-zero model.</summary>
    private static (float Value, long Samples) RunAttackedRound(RoundCoordinator coordinator)
    {
        long round = coordinator.BeginRound().Round;
        foreach (string device in new[] { "a", "b", "c" })
        {
            Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate(device, TestModels.Payload(device, round, 3_000, TestModels.Filled(1))));
        }

        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("evil", TestModels.Payload("evil", round, 10_000_000, TestModels.Filled(0))));
        var result = coordinator.CloseRound(RoundCloseReason.Quorum);
        return (coordinator.Snapshot(0).Model.Tensors[0].AsFloat32()[0], result.Samples);
    }

    private static void HonestRound(RoundCoordinator coordinator)
    {
        long round = coordinator.BeginRound().Round;
        foreach (string device in new[] { "a", "b", "c" })
        {
            coordinator.OnUpdate(device, TestModels.Payload(device, round, 3_000, TestModels.Filled(1)));
        }

        coordinator.CloseRound(RoundCloseReason.Quorum);
    }

    [Fact]
    public void WithoutTheRelativeBound_OneClaimOutweighsTheFleet()
    {
        var coordinator = Create(ratio: 0);
        HonestRound(coordinator);
        var (value, _) = RunAttackedRound(coordinator);
        Assert.True(value < 0.01f, $"the attacker's zeros dominate: {value}");
    }

    [Fact]
    public void AnUpdateClaimingFarMoreSamplesThanTheFleet_IsWeightedAsRatioTimesTheMedian()
    {
        var coordinator = Create(ratio: 4);
        HonestRound(coordinator);
        var (value, samples) = RunAttackedRound(coordinator);

        // Weight 12,000 against the fleet's 9,000: the honest model keeps 9/21 of the round.
        Assert.Equal(9_000f / 21_000f, value, 4);
        Assert.Equal(21_000, samples);
        Assert.Equal(1, _metrics.SamplesCapped);
    }

    [Fact]
    public void HonestUpdates_WithinTheRatio_AreNotCapped()
    {
        var coordinator = Create(ratio: 4);
        HonestRound(coordinator);
        long round = coordinator.BeginRound().Round;
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", round, 12_000, TestModels.Filled(1))));
        Assert.Equal(12_000, coordinator.CloseRound(RoundCloseReason.Quorum).Samples);
        Assert.Equal(0, _metrics.SamplesCapped);
    }
}
