using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.Selection;
using EdgeFL.Messaging;
using Microsoft.Extensions.Configuration;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>Regression tests for what the update fuzzing found, each as the smallest input that showed it.</summary>
public sealed class FoundByFuzzingTests
{
    private readonly GatewayMetrics _metrics = new();

    private RoundCoordinator Create()
    {
        var coordinator = new RoundCoordinator(new GatewayOptions(), _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        coordinator.BeginRound();
        return coordinator;
    }

    /// <summary>A q8 tensor with a finite scale so large that scale x (q - zp) is infinite in float32 was accepted.</summary>
    [Fact]
    public void QuantizedTensor_ThatDequantizesToInfinity_IsInvalid()
    {
        var coordinator = Create();
        var q = Quantizer.Quantize(TestModels.Filled(1));
        var w = q.Tensors[0];
        var huge = new ModelState([new NamedTensor(w.Name, w.Shape, w.DType, w.Data, new Quantization(3e37f, 0)), q.Tensors[1], q.Tensors[2]]);
        Assert.Equal(AdmissionOutcome.Invalid, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 10, huge)));
        Assert.False(coordinator.CloseRound(RoundCloseReason.Deadline).ModelUpdated);
    }

    /// <summary>Finite values near float32's limit, weighted by their sample counts, summed to infinity: the model became Inf/NaN.</summary>
    [Fact]
    public void FiniteButHugeUpdates_NeverMakeTheModelNonFinite()
    {
        var coordinator = Create();
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", TestModels.Payload("a", 1, 1000, TestModels.Filled(3e38f))));
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("b", TestModels.Payload("b", 1, 1000, TestModels.Filled(2e38f))));
        coordinator.CloseRound(RoundCloseReason.Quorum);

        // The weights are scaled into (0, 1]: the mean of finite values is computed, not an overflow.
        Assert.All(coordinator.Snapshot(0).Model.Tensors[0].AsFloat32().ToArray(), v => Assert.Equal(2.5e38f, v, 1e32f));
        Assert.Equal(0, _metrics.AggregatesRefused);
    }

    /// <summary>When the sums still overflow (many updates at the limit), the round keeps the model instead of a non-finite one.</summary>
    [Fact]
    public void AnAggregateThatOverflows_IsRefused_AndTheModelCarriesOver()
    {
        var options = new GatewayOptions { Updates = new UpdateLimitOptions { MaxSampleCount = 1000 } };
        var coordinator = new RoundCoordinator(options, _metrics, NullLogger.Instance, new ManualTimeProvider());
        coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        coordinator.BeginRound();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate($"d{i}", TestModels.Payload($"d{i}", 1, 1000, TestModels.Filled(float.MaxValue))));
        }

        var result = coordinator.CloseRound(RoundCloseReason.Quorum);

        Assert.Equal(4, result.Accepted);
        Assert.False(result.ModelUpdated);
        Assert.Equal(1, _metrics.AggregatesRefused);
        Assert.All(coordinator.Snapshot(0).Model.Tensors[0].AsFloat32().ToArray(), v => Assert.Equal(0f, v));
    }

    /// <summary>A gateway waiting for its first model took the cloud's global model without any check: NaN and infinity included.</summary>
    [Fact]
    public void TheFirstModel_MustBeFinite_AndHaveTensors()
    {
        var coordinator = new RoundCoordinator(new GatewayOptions(), _metrics, NullLogger.Instance, new ManualTimeProvider());
        Assert.False(coordinator.Adopt(TestModels.Message(TestModels.Filled(float.NegativeInfinity))).IsAccepted);
        Assert.False(coordinator.Adopt(TestModels.Message(new ModelState([]))).IsAccepted);
        Assert.False(coordinator.HasModel);
        Assert.True(coordinator.Adopt(TestModels.Message(TestModels.Filled(1))).IsAccepted);
    }

    /// <summary>A global model of round long.MaxValue was adopted, and the next round number overflowed to long.MinValue.</summary>
    [Fact]
    public void AModelWhoseRoundLeavesNoNextRound_IsRefused()
    {
        var coordinator = Create();
        coordinator.CloseRound(RoundCloseReason.Deadline);
        Assert.False(coordinator.Adopt(TestModels.Message(TestModels.Filled(1), round: long.MaxValue)).IsAccepted);
        Assert.False(coordinator.Adopt(TestModels.Message(TestModels.Filled(1), round: RoundNumbers.Max)).IsAccepted);
        Assert.True(coordinator.Adopt(TestModels.Message(TestModels.Filled(1), round: RoundNumbers.Max - 1)).IsAccepted);
        Assert.Equal(RoundNumbers.Max, coordinator.BeginRound().Round);
    }

    /// <summary>Telemetry with NaN or infinite volts/amps was kept in the fleet view.</summary>
    [Fact]
    public async Task Telemetry_WithNonFiniteVoltsOrAmps_IsRejected()
    {
        var clock = new ManualTimeProvider();
        var fleet = new FleetTelemetry(new GatewayOptions { GatewayId = "gw" }, NullLogger<FleetTelemetry>.Instance, clock);
        foreach (var (volts, amps) in new (double?, double?)[] { (double.NaN, null), (null, double.PositiveInfinity) })
        {
            var report = new DeviceTelemetry("dev-1", clock.GetUtcNow(), 0.5, false, true, 1, 1, 1, 1, volts, amps);
            await fleet.OnMessageAsync(new InboundMessage("edgefl/v1/gw/devices/dev-1/telemetry", new ReadOnlySequence<byte>(WireCodec.Encode(report)), true), default);
        }

        Assert.Null(fleet.Get("dev-1"));
        Assert.Equal(2, fleet.Rejected);
    }

    /// <summary>One report dated far ahead (year 9999) outranked every later honest report of the device, for ever.</summary>
    [Fact]
    public async Task Telemetry_DatedFarAhead_IsRejected_SoLaterReportsStillLand()
    {
        var clock = new ManualTimeProvider();
        var fleet = new FleetTelemetry(new GatewayOptions { GatewayId = "gw" }, NullLogger<FleetTelemetry>.Instance, clock);
        Task Send(DateTimeOffset at, double battery) => fleet.OnMessageAsync(
            new InboundMessage("edgefl/v1/gw/devices/dev-1/telemetry", new ReadOnlySequence<byte>(WireCodec.Encode(new DeviceTelemetry("dev-1", at, battery, false, true, 1, 1, 1, 1))), true),
            default);

        await Send(new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero), 0.99);
        await Send(clock.GetUtcNow().AddMinutes(4), 0.42); // within the drift allowed
        Assert.Equal(0.42, fleet.Get("dev-1")!.BatteryLevel);
        Assert.Equal(1, fleet.Rejected);
    }

    /// <summary>Values the validator let through that failed later: timers .NET refuses (at the first sync or pause), an infinite clipping norm (at the first round).</summary>
    [Theory]
    [InlineData("Gateway:Rounds:GlobalModelTimeout", "10675199.02:48:05.4775807")]
    [InlineData("Gateway:Rounds:Pause", "50.00:00:00")]
    [InlineData("Gateway:Aggregation:ClipNorm", "Infinity")]
    [InlineData("Gateway:Staleness:Exponent", "1000")]
    public void ConfigurationThatCannotRun_IsRefusedAtStart_NamingTheKey(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:InitialModelPath"] = typeof(FoundByFuzzingTests).Assembly.Location,
            [key] = value,
        }).Build();
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()!;
        var result = new GatewayOptionsValidator(configuration).Validate(null, options);
        Assert.Contains(result.Failures!, f => f.StartsWith(key, StringComparison.Ordinal));
    }
}
