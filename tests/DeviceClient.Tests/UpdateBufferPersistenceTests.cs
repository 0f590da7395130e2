using EdgeFL.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.DeviceClient.Tests;

public sealed class UpdateBufferPersistenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-device-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private StateDatabase Open() => StateDatabase.Open(Path.Combine(_dir, "device.db"), UpdateBuffer.Schema, NullLogger.Instance);

    [Fact]
    public void BufferedUpdates_SurviveARestart_OldestFirst_WithinCapacity()
    {
        using (var db = Open())
        {
            var buffer = new UpdateBuffer(2, db);
            buffer.Add(new BufferedUpdate(1, Payload(1)));
            buffer.Add(new BufferedUpdate(2, Payload(2)));
            buffer.Add(new BufferedUpdate(3, Payload(3)));   // drops round 1
            buffer.Remove(buffer.Peek()!);            // round 2 sent
        }

        using var again = Open();
        var restored = new UpdateBuffer(2, again);
        Assert.Equal(1, restored.Count);
        Assert.Equal(3, restored.Peek()!.Round);
        Assert.Equal(Payload(3), restored.Peek()!.Payload);
    }

    private static byte[] Payload(long round) => Core.Wire.WireCodec.Encode(new Core.Messages.DeviceUpdate(
        "dev-1", round, 10, 0.5, 1, 0.1, DateTimeOffset.UnixEpoch, new Core.Models.ModelState([Core.Models.NamedTensor.FromFloat32("w", [1], [round])])));

    /// <summary>Found by fuzzing device.db: rows that were not an update for their round were sent, or threw at start.</summary>
    [Theory]
    [InlineData("UPDATE journal SET payload = x'81a176' WHERE round = 1;")]
    [InlineData("UPDATE journal SET payload = 'text' WHERE round = 1;")]
    [InlineData("UPDATE journal SET round = 'one' WHERE round = 1;")]
    [InlineData("UPDATE journal SET round = 5 WHERE round = 1;")]
    public void DamagedRows_AreDropped_TheOthersKept(string damage)
    {
        using (var db = Open())
        {
            var buffer = new UpdateBuffer(4, db);
            buffer.Add(new BufferedUpdate(1, Payload(1)));
            buffer.Add(new BufferedUpdate(2, Payload(2)));
        }

        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "device.db")};Pooling=False"))
        {
            c.Open();
            using var command = c.CreateCommand();
            command.CommandText = damage;
            command.ExecuteNonQuery();
        }

        using var again = Open();
        var restored = new UpdateBuffer(4, again);
        Assert.Equal((1, 1), (restored.Count, restored.Discarded));
        Assert.Equal(2, restored.Peek()!.Round);
        Assert.Equal(1, new UpdateBuffer(4, again).Count); // the damaged row is gone from the file too
    }
}
