using Microsoft.Data.Sqlite;

namespace EdgeFL.CloudBridge.State;

/// <summary>
/// The upload ids applied to already published sync rounds, the last <see cref="PerGateway"/> of each gateway:
/// a gateway whose acknowledgement was lost (a broker node died, the cloud restarted) sends its outbox head again,
/// and that is always one of its most recent uploads (its outbox sends one at a time, oldest first). Such a resend
/// is answered <c>duplicate</c> (applied), not <c>stale</c>, which would make the gateway dead-letter an upload that
/// counted. Memory: O(gateways x <see cref="PerGateway"/>) ids. Kept in the cloud's state with the global model.
/// </summary>
internal sealed class RecentUploads(bool persisted)
{
    /// <summary>How many applied upload ids are remembered per gateway after their round was published.</summary>
    public const int PerGateway = 4;

    public const string Schema = """
        CREATE TABLE IF NOT EXISTS recent_uploads (gateway_id TEXT NOT NULL, slot INTEGER NOT NULL, upload_id TEXT NOT NULL, PRIMARY KEY (gateway_id, slot));
        """;

    private readonly Dictionary<string, Ring> _byGateway = new(StringComparer.Ordinal);
    private readonly List<(string Gateway, int Slot, string UploadId)> _unsaved = [];

    /// <summary>Gateways with remembered uploads.</summary>
    public int Gateways => _byGateway.Count;

    /// <summary>True when <paramref name="uploadId"/> is among <paramref name="gatewayId"/>'s last applied uploads.</summary>
    public bool Contains(string gatewayId, string uploadId) =>
        _byGateway.TryGetValue(gatewayId, out var ring) && Array.IndexOf(ring.Ids, uploadId) >= 0;

    /// <summary>Remembers an upload applied to a round that is now published (or superseded); the gateway's oldest one goes.</summary>
    public void Remember(string gatewayId, string uploadId)
    {
        if (!_byGateway.TryGetValue(gatewayId, out var ring))
        {
            ring = new Ring();
            _byGateway.Add(gatewayId, ring);
        }
        else if (Array.IndexOf(ring.Ids, uploadId) >= 0)
        {
            return;
        }

        int slot = ring.Next;
        ring.Ids[slot] = uploadId;
        ring.Next = (slot + 1) % PerGateway;
        if (persisted)
        {
            _unsaved.Add((gatewayId, slot, uploadId));
        }
    }

    /// <summary>Writes what was remembered since the last save, in the caller's transaction (the one saving the global model).</summary>
    public void Save(SqliteConnection c, SqliteTransaction tx)
    {
        if (_unsaved.Count == 0)
        {
            return;
        }

        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "INSERT OR REPLACE INTO recent_uploads (gateway_id, slot, upload_id) VALUES ($g, $s, $u);";
        var g = command.Parameters.Add("$g", SqliteType.Text);
        var s = command.Parameters.Add("$s", SqliteType.Integer);
        var u = command.Parameters.Add("$u", SqliteType.Text);
        foreach (var (gateway, slot, uploadId) in _unsaved)
        {
            g.Value = gateway;
            s.Value = slot;
            u.Value = uploadId;
            command.ExecuteNonQuery();
        }

        _unsaved.Clear();
    }

    /// <summary>Reads the saved ids (at start, before any upload). Slots hold the ring's positions; the next write goes after the newest.</summary>
    public void Load(SqliteConnection c)
    {
        _byGateway.Clear();
        _unsaved.Clear();
        using var command = c.CreateCommand();
        command.CommandText = "SELECT gateway_id, slot, upload_id, rowid FROM recent_uploads ORDER BY gateway_id, rowid;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string gateway = reader.GetString(0);
            int slot = reader.GetInt32(1);
            if (slot is < 0 or >= PerGateway)
            {
                continue;
            }

            if (!_byGateway.TryGetValue(gateway, out var ring))
            {
                ring = new Ring();
                _byGateway.Add(gateway, ring);
            }

            // INSERT OR REPLACE gives a replaced row a new rowid, so the last row read per gateway is its newest.
            ring.Ids[slot] = reader.GetString(2);
            ring.Next = (slot + 1) % PerGateway;
        }
    }

    /// <summary>Drops every saved id (with the rest of the state, when it was found unreadable).</summary>
    public static void Clear(SqliteConnection c, SqliteTransaction tx)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM recent_uploads;";
        command.ExecuteNonQuery();
    }

    private sealed class Ring
    {
        public string?[] Ids { get; } = new string?[PerGateway];

        public int Next { get; set; }
    }
}
