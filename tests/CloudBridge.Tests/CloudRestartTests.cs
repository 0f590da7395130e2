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

        // After the global model of round 5, the old upload is refused as stale, even after another restart.
        using var third = Open();
        var again2 = Create(third);
        again2.Restore();
        Assert.Equal(5, again2.Global!.Round);
        Assert.Equal(AdmissionOutcome.TooStale, again2.OnUpload("gw-1", first));
    }
}
