using EdgeFL.Core.Messages;
using Microsoft.Data.Sqlite;

namespace EdgeFL.CloudBridge.Region;

/// <summary>
/// What the aggregator of a region needs of its uplink: each sync round's average queued as an upload to the tier
/// above, in the transaction that saves the round (so a crash keeps both or neither).
/// </summary>
internal interface IRegionUplink
{
    /// <summary>Queues <paramref name="regional"/> (this region's average and its samples) as an upload, inside the caller's transaction.</summary>
    void Enqueue(SqliteConnection c, SqliteTransaction tx, ModelMessage regional);

    /// <summary>Queues <paramref name="regional"/> in a transaction of its own (state kept in memory only).</summary>
    void EnqueueAlone(ModelMessage regional);

    /// <summary>After the transaction committed: the sender wakes.</summary>
    void Committed();
}
