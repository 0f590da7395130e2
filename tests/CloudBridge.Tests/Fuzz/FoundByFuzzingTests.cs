using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using static EdgeFL.CloudBridge.Tests.CloudAggregatorTests;

namespace EdgeFL.CloudBridge.Tests.Fuzz;

/// <summary>Regression tests for what the cloud-side fuzzing found.</summary>
public sealed class FoundByFuzzingTests
{
    private readonly ManualTimeProvider _time = new();

    private static ModelMessage Global(long round, ModelState model) => new("m", round, "cloud", 0, DateTimeOffset.UnixEpoch, model);

    /// <summary>The cloud took any newer retained global model (or seed file) as it was: another layout, NaN, no tensors.</summary>
    [Fact]
    public void AGlobalModel_IsAdopted_OnlyWhenFit()
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions(), NullLogger.Instance, _time);
        Assert.False(aggregator.Adopt(Global(1, Filled(float.NaN))).IsAccepted);
        Assert.False(aggregator.Adopt(Global(1, new ModelState([]))).IsAccepted);
        Assert.Null(aggregator.Global);
        Assert.True(aggregator.Adopt(Global(1, Filled(1))).IsAccepted);
        Assert.False(aggregator.Adopt(Global(2, new ModelState([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]))).IsAccepted);
        Assert.False(aggregator.Adopt(Global(long.MaxValue, Filled(2))).IsAccepted);
        Assert.False(aggregator.Adopt(Global(1, Filled(3))).IsAccepted); // not newer
        Assert.Equal(1, aggregator.Global!.Round);
        Assert.Equal(1f, aggregator.Global.Model.Tensors[0].AsFloat32()[0]);
    }

    /// <summary>An upload for round long.MaxValue was folded in: its global model would have ended every later sync.</summary>
    [Fact]
    public void AnUploadWhoseRoundLeavesNoNextRound_IsInvalid()
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 1 }, NullLogger.Instance, _time);
        aggregator.Adopt(Global(0, Filled(0)));
        Assert.Equal(UploadOutcome.Invalid, aggregator.OnUpload("gw-1", Upload("gw-1", 1, long.MaxValue, 10, Filled(1))));
        Assert.Equal(UploadOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 2, 5, 10, Filled(1))));
    }
}
