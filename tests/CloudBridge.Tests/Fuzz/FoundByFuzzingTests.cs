using EdgeFL.Core.Rounds;
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
        Assert.False(aggregator.Adopt(Global(RoundNumbers.Max, Filled(2))).IsAccepted);
        Assert.False(aggregator.Adopt(Global(1, Filled(3))).IsAccepted); // not newer
        Assert.Equal(1, aggregator.Global!.Round);
        Assert.Equal(1f, aggregator.Global.Model.Tensors[0].AsFloat32()[0]);
    }

    /// <summary>An upload for round long.MaxValue was folded in: its global model would have ended every later sync.</summary>
    [Fact]
    public void AnUploadWhoseRoundLeavesNoNextRound_IsRefused()
    {
        var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 1 }, NullLogger.Instance, _time);
        aggregator.Adopt(Global(0, Filled(0)));
        Assert.Equal(AdmissionOutcome.Malformed, aggregator.OnUpload("gw-1", Upload("gw-1", 1, long.MaxValue, 10, Filled(1))));
        Assert.Equal(AdmissionOutcome.Accepted, aggregator.OnUpload("gw-1", Upload("gw-1", 2, 5, 10, Filled(1))));
    }

    /// <summary>cloud.db's saved global model was restored as it was, NaN included; unreadable journal rows threw InvalidCastException past the worker.</summary>
    [Theory]
    [InlineData("UPDATE kv SET value = $nan WHERE key = 'global';")]
    [InlineData("UPDATE journal SET payload = 'text';")]
    public void DamagedSavedState_IsDiscarded_SoTheSeedIsUsed(string damage)
    {
        string dir = FuzzCampaign.ScratchDirectory("cloud-regression");
        try
        {
            string path = Path.Combine(dir, "cloud.db");
            using (var db = Storage.StateDatabase.Open(path, State.CloudStateStore.Schema, NullLogger.Instance))
            {
                var aggregator = new CloudAggregator(new CloudAggregatorOptions { ExpectedGateways = 2 }, NullLogger.Instance, _time, new State.CloudStateStore(db));
                aggregator.Adopt(Global(1, Filled(1)));
                aggregator.OnUpload("gw-1", Upload("gw-1", 1, 2, 10, Filled(2)));
            }

            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
            {
                connection.Open();
                using var command = new Microsoft.Data.Sqlite.SqliteCommand(damage, connection);
                command.Parameters.AddWithValue("$nan", Core.Wire.WireCodec.Encode(Global(1, Filled(float.NaN))));
                command.ExecuteNonQuery();
            }

            using var reopened = Storage.StateDatabase.Open(path, State.CloudStateStore.Schema, NullLogger.Instance);
            var restarted = new CloudAggregator(new CloudAggregatorOptions(), NullLogger.Instance, _time, new State.CloudStateStore(reopened));
            Assert.Throws<InvalidDataException>(() => restarted.Restore());
            Assert.Null(restarted.Global);
            Assert.Equal(0, restarted.Restore()); // discarded: the next start finds nothing, not the same damage
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
