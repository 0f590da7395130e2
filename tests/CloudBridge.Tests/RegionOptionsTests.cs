using EdgeFL.Core.Aggregation;
using EdgeFL.Tests.Shared;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>A region's keys are checked at start, each message naming the key; without the uplink none of them is read.</summary>
public sealed class RegionOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-region-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WithoutTheUplink_RegionKeysAreNotRead()
    {
        var o = new CloudAggregatorOptions { StateDirectory = _dir, RegionId = "bad/id", ServerOptimizer = new ServerOptimizerOptions { Kind = ServerOptimizerKind.FedAvgM } };
        Assert.True(new CloudAggregatorOptionsValidator().Validate(null, o).Succeeded);
    }

    [Fact]
    public void WithTheUplink_TheRegionIdTheUpperKeyPlainAveragingAndTheUplinksOwnKeysAreRequired()
    {
        var o = new CloudAggregatorOptions { StateDirectory = _dir, ServerOptimizer = new ServerOptimizerOptions { Kind = ServerOptimizerKind.FedAvgM } };
        o.Uplink.Enabled = true;
        o.Uplink.Port = 0;
        var failures = new CloudAggregatorOptionsValidator().Validate(null, o).Failures!.ToArray();

        Assert.Contains(failures, f => f.StartsWith("Cloud:RegionId", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cloud:Signing:UplinkPublicKeyPath must be set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cloud:ServerOptimizer:Kind must be FedAvg", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cloud:Uplink:Port", StringComparison.Ordinal));

        var keys = new TestKeys(Path.Combine(_dir, "keys"));
        o.RegionId = "region-1";
        o.Signing.UplinkPublicKeyPath = keys.PublicKey("global");
        o.ServerOptimizer.Kind = ServerOptimizerKind.FedAvg;
        o.Uplink.Port = 1884;
        Assert.True(new CloudAggregatorOptionsValidator().Validate(null, o).Succeeded);
    }
}
