using EdgeFL.Core.Rounds;
using EdgeFL.CloudBridge.State;
using EdgeFL.Core.Messages;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.CloudBridge.Tests;

public sealed class CloudRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-cloud-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private CloudAggregator Create(StateDatabase db) =>
        new(new CloudAggregatorOptions { ExpectedGateways = 2 }, NullLogger.Instance, new ManualTimeProvider(), new CloudStateStore(db));

    private StateDatabase Open() => StateDatabase.Open(Path.Combine(_dir, "cloud.db"), CloudStateStore.Schema, NullLogger.Instance);

    [Fact]
    public void AppliedUploads_SurviveARestart_AndCountOnce()
    {
        var first = CloudAggregatorTests.Upload("gw-1", 1, 5, 100, CloudAggregatorTests.Filled(2));
        using (var db = Open())
        {
            var cloud = Create(db);
            cloud.Adopt(new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0)));
            Assert.Equal(AdmissionOutcome.Accepted, cloud.OnUpload("gw-1", first));
        } // crash: the round is still pending

        using var again = Open();
        var restarted = Create(again);
        Assert.Equal(1, restarted.Restore());
        Assert.Equal(AdmissionOutcome.Duplicate, restarted.OnUpload("gw-1", first));   // QoS 1 redelivery after the restart
        Assert.Equal(AdmissionOutcome.Accepted, restarted.OnUpload("gw-2", CloudAggregatorTests.Upload("gw-2", 1, 5, 300, CloudAggregatorTests.Filled(6))));
        var (global, gateways) = Assert.Single(restarted.CloseDue());
        Assert.Equal(2, gateways);
        Assert.Equal(5f, global.Model.Tensors[0].AsFloat32()[0], 5);

        // After the global model of round 5 and another restart, the old upload is still answered as applied (its gateway
        // may have lost the ack with the crash), and a new upload for that published round is stale.
        using var third = Open();
        var again2 = Create(third);
        again2.Restore();
        Assert.Equal(5, again2.Global!.Round);
        Assert.Equal(AdmissionOutcome.Duplicate, again2.OnUpload("gw-1", first));
        Assert.Equal(AdmissionOutcome.Duplicate, again2.OnUpload("gw-2", CloudAggregatorTests.Upload("gw-2", 1, 5, 300, CloudAggregatorTests.Filled(6))));
        Assert.Equal(AdmissionOutcome.TooStale, again2.OnUpload("gw-1", CloudAggregatorTests.Upload("gw-1", 2, 5, 100, CloudAggregatorTests.Filled(3))));
    }

    [Theory]
    [InlineData("FedAvgM")]
    [InlineData("FedAdam")]
    [InlineData("FedYogi")]
    public void ServerOptimizer_ResumesExactly_AfterARestart(string kind)
    {
        var options = new CloudAggregatorOptions
        {
            ExpectedGateways = 1,
            ServerOptimizer = new Core.Aggregation.ServerOptimizerOptions { Kind = Enum.Parse<Core.Aggregation.ServerOptimizerKind>(kind), LearningRate = 0.3 },
        };
        var seed = new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0));
        CloudAggregator Make(StateDatabase? db) => new(options, NullLogger.Instance, new ManualTimeProvider(), db is null ? null : new CloudStateStore(db));
        float[] Sync(CloudAggregator cloud, long seq, long round, float value)
        {
            Assert.Equal(AdmissionOutcome.Accepted, cloud.OnUpload("gw-1", CloudAggregatorTests.Upload("gw-1", seq, round, 100, CloudAggregatorTests.Filled(value))));
            return Assert.Single(cloud.CloseDue()).Global.Model.Tensors[0].AsFloat32().ToArray();
        }

        // The same three syncs without a restart.
        var straight = Make(null);
        straight.Adopt(seed);
        var expected = new[] { Sync(straight, 1, 5, 1), Sync(straight, 2, 10, 3), Sync(straight, 3, 15, 2) };

        using (var db = Open())
        {
            var cloud = Make(db);
            cloud.Adopt(seed);
            Assert.Equal(expected[0], Sync(cloud, 1, 5, 1));
            Assert.Equal(expected[1], Sync(cloud, 2, 10, 3));
        } // crash after the second sync: momentum (and variance) must come back with the global model

        using var again = Open();
        var restarted = Make(again);
        restarted.Restore();
        Assert.Equal(2, restarted.OptimizerSteps);
        Assert.Equal(expected[2], Sync(restarted, 3, 15, 2));

        // Plain averaging would have given the upload itself: the optimizer's state made a difference.
        Assert.NotEqual(2f, expected[2][0]);
    }

    [Fact]
    public void ServerOptimizer_StartsEmpty_WhenTheSavedStateIsOfAnotherKind()
    {
        var seed = new ModelMessage("m", 0, "cloud", 0, DateTimeOffset.UnixEpoch, CloudAggregatorTests.Filled(0));
        using (var db = Open())
        {
            var cloud = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 1, ServerOptimizer = new() { Kind = Core.Aggregation.ServerOptimizerKind.FedAdam } }, NullLogger.Instance, new ManualTimeProvider(), new CloudStateStore(db));
            cloud.Adopt(seed);
            cloud.OnUpload("gw-1", CloudAggregatorTests.Upload("gw-1", 1, 5, 100, CloudAggregatorTests.Filled(1)));
            Assert.Single(cloud.CloseDue());
        }

        using var again = Open();
        var restarted = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 1, ServerOptimizer = new() { Kind = Core.Aggregation.ServerOptimizerKind.FedYogi } }, NullLogger.Instance, new ManualTimeProvider(), new CloudStateStore(again));
        restarted.Restore();
        Assert.Equal(5, restarted.Global!.Round);
        Assert.Equal(0, restarted.OptimizerSteps);
    }
}
