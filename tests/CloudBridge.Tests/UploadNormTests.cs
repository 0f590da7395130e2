using EdgeFL.Core.Rounds;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Validation;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using static EdgeFL.CloudBridge.Tests.CloudAggregatorTests;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>Cloud:MaxUploadNorm and Cloud:UploadNormPolicy, through the real CloudAggregator.</summary>
public sealed class UploadNormTests
{
    private readonly ManualTimeProvider _time = new();

    // Filled(v) differs from Filled(0) by v in its 4 float elements: its change has norm 2v.
    private CloudAggregator Create(double maxNorm, NormPolicy policy)
    {
        var options = new CloudAggregatorOptions { ExpectedGateways = 2, MaxUploadNorm = maxNorm, UploadNormPolicy = policy };
        var aggregator = new CloudAggregator(options, NullLogger.Instance, _time);
        aggregator.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        return aggregator;
    }

    [Fact]
    public void Reject_RefusesAnUploadOverTheBound_AndCountsIt()
    {
        var aggregator = Create(maxNorm: 4.5, NormPolicy.Reject);
        Assert.Equal(AdmissionOutcome.NormTooLarge, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 100, Filled(100))));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 2, 5, 100, Filled(2))));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-2", Upload("gw-2", 1, 5, 100, Filled(1))));
        var (global, _) = Assert.Single(aggregator.CloseDue());
        Assert.Equal(1.5f, global.Model.Tensors[0].AsFloat32()[0]);
        Assert.Equal(1, aggregator.RejectedByReason["NormTooLarge"]);
        Assert.Equal(0, aggregator.Clipped);
    }

    [Fact]
    public void Clip_ScalesTheChangeToTheBound()
    {
        var aggregator = Create(maxNorm: 4, NormPolicy.Clip);
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 1, 5, 100, Filled(100))));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-2", Upload("gw-2", 1, 5, 300, Filled(1))));
        var (global, _) = Assert.Single(aggregator.CloseDue());
        Assert.Equal(1.25f, global.Model.Tensors[0].AsFloat32()[0], 5); // (100 x 2 + 300 x 1) / 400
        Assert.Equal(1, aggregator.Clipped);
    }

    [Fact]
    public void Options_AreValidatedAtStart_NamingTheKey()
    {
        var result = new CloudAggregatorOptionsValidator().Validate(null, new CloudAggregatorOptions { MaxUploadNorm = -3, UploadNormPolicy = (NormPolicy)9 });
        Assert.Contains(result.Failures!, f => f.StartsWith("Cloud:MaxUploadNorm", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Cloud:UploadNormPolicy", StringComparison.Ordinal));
    }
}
