using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Gateway.State;
using EdgeFL.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 15, finding 6: after a corrupt state file was set aside the gateway's upload ids started again
/// at 1, and the cloud took gw-1:1 to gw-1:3 a second time (as duplicates of uploads it had applied).
/// Upload ids carry the incarnation of the state they were drawn from.
/// </summary>
public sealed class UploadIdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-upload-ids-").FullName;

    private string PathOfState => Path.Combine(_dir, "gateway.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private List<string> TakeIds(int count)
    {
        using var db = StateDatabase.Open(PathOfState, GatewayStateStore.Schema + DurableOutbox.Schema, NullLogger.Instance);
        var store = new GatewayStateStore(db);
        return Enumerable.Range(0, count)
            .Select(_ => db.InTransaction((c, tx) =>
            {
                var (incarnation, sequence) = store.NextUpload(c, tx);
                return GatewayUpload.MakeUploadId("gw-1", incarnation, sequence);
            }))
            .ToList();
    }

    [Fact]
    public void UploadIds_GoOnAcrossRestarts()
    {
        var first = TakeIds(3);
        var second = TakeIds(3);
        Assert.Equal(6, first.Concat(second).Distinct().Count());
        Assert.EndsWith(":4", second[0], StringComparison.Ordinal);
    }

    [Fact]
    public void UploadIds_DoNotRepeat_WhenTheStateFileIsLost()
    {
        var before = TakeIds(3);
        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(PathOfState + suffix);
        }

        var after = TakeIds(3);
        Assert.EndsWith(":1", after[0], StringComparison.Ordinal);
        Assert.Empty(before.Intersect(after));
    }

    [Fact]
    public void UploadIds_DoNotRepeat_WhenUnreadableStateIsDiscarded()
    {
        var before = TakeIds(3);
        using (var db = StateDatabase.Open(PathOfState, GatewayStateStore.Schema + DurableOutbox.Schema, NullLogger.Instance))
        {
            // The counter is damaged (not a number), so it cannot be kept: the sequence starts again.
            db.InTransaction((c, tx) => KeyValue.Set(c, tx, "upload_seq", "garbage"));
            new GatewayStateStore(db).Discard();
        }

        var after = TakeIds(3);
        Assert.EndsWith(":1", after[0], StringComparison.Ordinal);
        Assert.Empty(before.Intersect(after));
    }
}
