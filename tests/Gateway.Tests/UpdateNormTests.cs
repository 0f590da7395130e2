using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>Gateway:Updates:MaxUpdateNorm and NormPolicy, through the real RoundCoordinator.</summary>
public sealed class UpdateNormTests
{
    private readonly GatewayMetrics _metrics = new();

    // TestModels.Filled(v) differs from Filled(0) by v in 8 float elements: its change has norm v x sqrt(8).
    private static readonly double Root8 = Math.Sqrt(8);

    private RoundCoordinator Create(double maxNorm, NormPolicy policy, AggregationRule strategy = AggregationRule.FedAvg, double ratio = 0)
    {
        var options = new GatewayOptions
        {
            Updates = new UpdateLimitOptions { MaxUpdateNorm = maxNorm, NormPolicy = policy, MaxNormRatio = ratio },
            Aggregation = new AggregationOptions { Strategy = strategy },
        };
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        return coordinator;
    }

    private static float[] Weights(RoundCoordinator coordinator) => coordinator.Snapshot(0).Model.Tensors[0].AsFloat32().ToArray();

    [Fact]
    public void Reject_RefusesAnUpdateOverTheBound_CountsItPerDevice_AndKeepsItOutOfTheAggregate()
    {
        var coordinator = Create(maxNorm: 2.01 * Root8, NormPolicy.Reject);
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("honest", TestModels.Payload("honest", 1, 100, TestModels.Filled(1))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("edge", TestModels.Payload("edge", 1, 100, TestModels.Filled(2))));
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("evil", TestModels.Payload("evil", 1, 100, TestModels.Filled(1000))));
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("evil", TestModels.Payload("evil", 1, 100, TestModels.Filled(-2.1f))));

        var result = coordinator.CloseRound(RoundCloseReason.Deadline);

        Assert.Equal((2, 2), (result.Accepted, result.Rejected));
        Assert.All(Weights(coordinator), w => Assert.Equal(1.5f, w));
        Assert.Equal(2, _metrics.RejectedByReason["NormTooLarge"]);
        Assert.Equal(2, _metrics.RejectedByDevice[("evil", "NormTooLarge")]);
        Assert.Equal(0, _metrics.Clipped);
    }

    [Fact]
    public void Reject_LetsTheDeviceSendAnotherUpdateForTheRound()
    {
        var coordinator = Create(maxNorm: Root8, NormPolicy.Reject);
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 100, TestModels.Filled(5))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 100, TestModels.Filled(0.5f))));
        Assert.True(coordinator.IsQuorumReached(["a"]));
    }

    [Fact]
    public void Reject_CountsAsTheDevicesAnswer_SoTheRoundDoesNotWaitForItsDeadline()
    {
        // Found running the hostile demo with Reject: every round with a refused device waited for its
        // deadline, because only accepted updates and declines answered the quorum.
        var coordinator = Create(maxNorm: Root8, NormPolicy.Reject);
        coordinator.BeginRound();
        string[] online = ["a", "evil"];
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 100, TestModels.Filled(0.5f))));
        Assert.False(coordinator.IsQuorumReached(online));
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("evil", TestModels.Payload("evil", 1, 100, TestModels.Filled(5))));
        Assert.True(coordinator.IsQuorumReached(online));

        // A refused device that then declines still counts once.
        coordinator.OnDecline("evil", new Core.Messages.RoundDecline("evil", 1, "battery"));
        var result = coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.Equal((1, 0, 1), (result.Accepted, result.Declined, result.Rejected));
    }

    [Fact]
    public void Reject_OfAStaleUpdate_DoesNotAnswerTheOpenRound()
    {
        var coordinator = Create(maxNorm: Root8, NormPolicy.Reject);
        coordinator.BeginRound();
        coordinator.CloseRound(RoundCloseReason.Deadline);
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 100, TestModels.Filled(5))));
        Assert.False(coordinator.IsQuorumReached(["a"]));
    }

    /// <summary>One round in which three devices each move every element by <paramref name="step"/>; returns its result.</summary>
    private static RoundResult HonestRound(RoundCoordinator coordinator, float from, float step)
    {
        var model = coordinator.BeginRound();
        foreach (string id in new[] { "a", "b", "c" })
        {
            Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate(id, TestModels.Payload(id, model.Round, 100, TestModels.Filled(from + step))));
        }

        return coordinator.CloseRound(RoundCloseReason.Quorum);
    }

    [Fact]
    public void Ratio_RejectsAnUpdateFarLargerThanTheLastRoundsMedian_AndFollowsTheNormsDown()
    {
        var coordinator = Create(maxNorm: 0, NormPolicy.Reject, ratio: 3);

        // Round 1 has no reference yet: everything finite is accepted, and its median norm (1 x sqrt 8) becomes one.
        var first = HonestRound(coordinator, from: 0, step: 1);
        Assert.Equal(Root8, first.MedianUpdateNorm, 6);

        var model = coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", model.Round, 100, TestModels.Filled(1 + 2.9f))));
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("evil", TestModels.Payload("evil", model.Round, 100, TestModels.Filled(1 - 3.1f))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("b", TestModels.Payload("b", model.Round, 100, TestModels.Filled(1.1f))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("c", TestModels.Payload("c", model.Round, 100, TestModels.Filled(1.1f))));
        var second = coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.Equal((3, 1), (second.Accepted, second.Rejected));
        Assert.Equal(1, _metrics.RejectedByDevice[("evil", "NormTooLarge")]);

        // Round 2's median change was 0.1 x sqrt 8: the bound is now 0.3 x sqrt 8, so a change of 0.5 is refused.
        Assert.Equal(0.1 * Root8, second.MedianUpdateNorm, 4);
        float now = Weights(coordinator)[0];
        model = coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("evil", TestModels.Payload("evil", model.Round, 100, TestModels.Filled(now - 0.5f))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", model.Round, 100, TestModels.Filled(now + 0.25f))));
    }

    [Fact]
    public void Ratio_WithClip_ScalesALargeUpdateDownToTheRelativeBound()
    {
        var coordinator = Create(maxNorm: 0, NormPolicy.Clip, ratio: 2);
        HonestRound(coordinator, from: 0, step: 1);
        var model = coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("evil", TestModels.Payload("evil", model.Round, 100, TestModels.Filled(1 - 100))));
        coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.All(Weights(coordinator), w => Assert.Equal(1 - 2f, w, 4));
        Assert.Equal(1, _metrics.Clipped);
    }

    [Fact]
    public void Ratio_TheTighterOfTheTwoBoundsApplies()
    {
        var coordinator = Create(maxNorm: 0.5 * Root8, NormPolicy.Reject, ratio: 3);
        HonestRound(coordinator, from: 0, step: 0.4f);
        var model = coordinator.BeginRound();

        // The relative bound would be 1.2 x sqrt 8; the absolute 0.5 x sqrt 8 is tighter.
        Assert.Equal(AdmissionOutcome.NormTooLarge, coordinator.OnUpdate("a", TestModels.Payload("a", model.Round, 100, TestModels.Filled(0.4f + 0.6f))));
    }

    [Fact]
    public void Ratio_NeedsEnoughAcceptedUpdatesForAReference()
    {
        var coordinator = Create(maxNorm: 0, NormPolicy.Reject, ratio: 3);
        var model = coordinator.BeginRound();
        coordinator.OnUpdate("a", TestModels.Payload("a", model.Round, 100, TestModels.Filled(0.001f)));
        coordinator.OnUpdate("b", TestModels.Payload("b", model.Round, 100, TestModels.Filled(0.001f)));
        coordinator.CloseRound(RoundCloseReason.Quorum);

        // Two updates (Gateway:Updates:MinNormReference is 3) made no reference: a large change still passes.
        model = coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", model.Round, 100, TestModels.Filled(5))));
    }

    [Fact]
    public void Clip_ScalesTheChangeToTheBound_BeforeItIsAveraged()
    {
        var coordinator = Create(maxNorm: 2 * Root8, NormPolicy.Clip);
        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("honest", TestModels.Payload("honest", 1, 300, TestModels.Filled(1))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("evil", TestModels.Payload("evil", 1, 100, TestModels.Filled(1000))));

        var result = coordinator.CloseRound(RoundCloseReason.Quorum);

        // The evil update counts as Filled(2) (clipped to norm 2 x sqrt 8): (300 x 1 + 100 x 2) / 400.
        Assert.Equal(2, result.Accepted);
        Assert.All(Weights(coordinator), w => Assert.Equal(1.25f, w, 5));
        var model = coordinator.Snapshot(0).Model;
        Assert.Equal([1.25f, -1.25f], model.Tensors[1].AsFloat32().ToArray().Select(v => MathF.Round(v, 4)));
        Assert.Equal(251, model.Tensors[2].AsInt64()[0]); // int64 tensors are not clipped: (300 x 1 + 100 x 1000) / 400, rounded
        Assert.Equal(1, _metrics.Clipped);
        Assert.Empty(_metrics.RejectedByReason);
    }

    [Fact]
    public void Clip_QuantizedAndStaleUpdates_AreClippedFromTheOpenRoundsModel()
    {
        var options = new GatewayOptions
        {
            Updates = new UpdateLimitOptions { MaxUpdateNorm = Root8, NormPolicy = NormPolicy.Clip },
            Staleness = new StalenessOptions { MaxRounds = 1, Exponent = 0 },
        };
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        coordinator.BeginRound();
        coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(0.5f)));
        coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.All(Weights(coordinator), w => Assert.Equal(0.5f, w));

        coordinator.BeginRound();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("q", TestModels.Payload("q", 2, 10, Quantizer.Quantize(TestModels.Filled(50)))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("late", TestModels.Payload("late", 1, 10, TestModels.Filled(-50))));
        coordinator.CloseRound(RoundCloseReason.Quorum);

        // From 0.5, each change is cut to 1 per element, up and down: the mean stays at 0.5.
        Assert.All(Weights(coordinator), w => Assert.Equal(0.5f, w, 3));
        Assert.Equal(2, _metrics.Clipped);
    }

    [Fact]
    public void Clip_WorksUnderARobustRule_Too()
    {
        var coordinator = Create(maxNorm: Root8, NormPolicy.Clip, strategy: AggregationRule.Median);
        coordinator.BeginRound();
        coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(0.5f)));
        coordinator.OnUpdate("b", TestModels.Payload("b", 1, 10, TestModels.Filled(40)));
        coordinator.OnUpdate("c", TestModels.Payload("c", 1, 10, TestModels.Filled(30)));
        coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.All(Weights(coordinator), w => Assert.Equal(1f, w, 5)); // median of 0.5, 1 (clipped), 1 (clipped)
    }

    [Fact]
    public void Off_ByDefault_EverythingFiniteCounts()
    {
        var options = new GatewayOptions();
        Assert.Equal(0, options.Updates.MaxUpdateNorm);
        Assert.Equal(NormPolicy.Clip, options.Updates.NormPolicy);
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        coordinator.BeginRound();
        coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, TestModels.Filled(1e30f)));
        coordinator.CloseRound(RoundCloseReason.Quorum);
        Assert.All(Weights(coordinator), w => Assert.Equal(1e30f, w));
    }

    [Theory]
    [InlineData("-1", "Clip", "Gateway:Updates:MaxUpdateNorm")]
    [InlineData("NaN", "Reject", "Gateway:Updates:MaxUpdateNorm")]
    [InlineData("1", "7", "Gateway:Updates:NormPolicy")]
    public void Options_AreValidatedAtStart_NamingTheKey(string maxNorm, string policy, string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:InitialModelPath"] = typeof(UpdateNormTests).Assembly.Location,
            ["Gateway:Updates:MaxUpdateNorm"] = maxNorm,
            ["Gateway:Updates:NormPolicy"] = policy,
        }).Build();
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()!;
        var result = new GatewayOptionsValidator(configuration).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_ReadThePolicyByName()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:InitialModelPath"] = typeof(UpdateNormTests).Assembly.Location,
            ["Gateway:Updates:MaxUpdateNorm"] = "2.5",
            ["Gateway:Updates:NormPolicy"] = "reject",
        }).Build();
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()!;
        Assert.Equal(new UpdateNormBound(2.5, NormPolicy.Reject), options.Updates.NormBound);
        Assert.True(new GatewayOptionsValidator(configuration).Validate(null, options).Succeeded);
    }
}
