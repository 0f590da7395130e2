using EdgeFL.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeFL.CloudLink;

/// <summary>
/// The upload ids of one uplink's state file (a gateway's gateway.db, a region's cloud.db): <c>{id}:{incarnation}:{seq}</c>
/// (docs/PROTOCOL.md section 6.3, `upload_id`; section 14 for regions), both numbers kept in the file's key-value table.
/// </summary>
public static class UploadSequence
{
    /// <summary>
    /// Inside the caller's transaction: the incarnation of this state and the next upload sequence number
    /// (both persisted). The incarnation is drawn at random when the state has none (a first start, a
    /// lost file, or state discarded as unreadable), so upload ids never repeat even when the counter
    /// starts again at 1.
    /// </summary>
    public static (string Incarnation, long Sequence) Next(SqliteConnection c, SqliteTransaction tx)
    {
        long incarnation = KeyValue.GetInt64(c, "incarnation", tx) ?? 0;
        if (incarnation <= 0)
        {
            incarnation = NewIncarnation();
            KeyValue.Set(c, tx, "incarnation", incarnation);
        }

        long next = (KeyValue.GetInt64(c, "upload_seq", tx) ?? 0) + 1;
        KeyValue.Set(c, tx, "upload_seq", next);
        return (incarnation.ToString("x12", System.Globalization.CultureInfo.InvariantCulture), next);
    }

    /// <summary>A random positive 48-bit value (12 hex digits in an id).</summary>
    private static long NewIncarnation() => 1 + System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) * (1L << 17) + System.Security.Cryptography.RandomNumberGenerator.GetInt32(1 << 17);
}
