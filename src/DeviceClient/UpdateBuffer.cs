using System.Buffers;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeFL.DeviceClient;

/// <summary>
/// Updates made while offline, oldest first, bounded in count: when full, the oldest is dropped (a
/// newer update supersedes it for FedAvg, and stale ones are the first the gateway would refuse).
/// With a <see cref="StateDatabase"/> the buffer is on disk and survives a restart or a power cut.
/// </summary>
internal sealed class UpdateBuffer
{
    /// <summary>The buffer's table.</summary>
    public const string Schema = Journal.Schema + """
        CREATE TABLE IF NOT EXISTS buffered_updates (id INTEGER PRIMARY KEY AUTOINCREMENT, round INTEGER NOT NULL, payload BLOB NOT NULL);
        INSERT OR IGNORE INTO journal (round, sender, id, payload) SELECT round, '', 'buffered-' || id, payload FROM buffered_updates ORDER BY id;
        DROP TABLE buffered_updates;
        """;

    private readonly LinkedList<(long Id, BufferedUpdate Update)> _items = [];
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly StateDatabase? _db;
    private long _dropped;
    private long _nextId;

    /// <summary>Creates a buffer; with <paramref name="db"/> it reloads what was buffered before a restart.</summary>
    public UpdateBuffer(int capacity, StateDatabase? db = null)
    {
        _capacity = capacity;
        _db = db;
        if (db is not null)
        {
            var unreadable = new List<long>();
            var rows = db.Read(c =>
            {
                var read = Journal.Read(c, null, out var bad);
                unreadable.AddRange(bad);
                return read;
            });
            foreach (var row in rows)
            {
                _nextId = row.Seq;
                if (IsUpdateFor(row.Round, row.Payload))
                {
                    _items.AddLast((row.Seq, new BufferedUpdate(row.Round, row.Payload)));
                }
                else
                {
                    unreadable.Add(row.Seq);
                }
            }

            // A damaged file's rows that are not this device's updates are dropped, not sent.
            unreadable.ForEach(Delete);
            Discarded = unreadable.Count;
        }
    }

    /// <summary>Rows dropped when the buffer was loaded because they did not hold an update message for their round.</summary>
    public int Discarded { get; }

    /// <summary>Updates waiting.</summary>
    public int Count
    {
        get { lock (_lock) { return _items.Count; } }
    }

    /// <summary>Updates dropped because the buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds an update, dropping the oldest when full; with capacity 0 the update is dropped.</summary>
    public void Add(BufferedUpdate update)
    {
        lock (_lock)
        {
            long id = _db is null ? ++_nextId : _db.InTransaction((c, tx) => Insert(c, tx, update));
            _items.AddLast((id, update));
            while (_items.Count > _capacity)
            {
                long oldest = _items.First!.Value.Id;
                _items.RemoveFirst();
                Delete(oldest);
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <summary>The oldest update, without removing it.</summary>
    public BufferedUpdate? Peek()
    {
        lock (_lock)
        {
            return _items.First?.Value.Update;
        }
    }

    /// <summary>Removes <paramref name="update"/> once it is sent (if still the oldest).</summary>
    public void Remove(BufferedUpdate update)
    {
        lock (_lock)
        {
            if (_items.First?.Value.Update == update)
            {
                long id = _items.First.Value.Id;
                _items.RemoveFirst();
                Delete(id);
            }
        }
    }

    private static bool IsUpdateFor(long round, byte[] payload) =>
        WireCodec.TryDecodeUpdate(new ReadOnlySequence<byte>(payload), DecodeLimits.Default, out var update, out _) && update!.Round == round;

    private static long Insert(SqliteConnection c, SqliteTransaction tx, BufferedUpdate update) =>
        Journal.Append(c, tx, update.Round, "", Guid.NewGuid().ToString("N"), new ReadOnlySequence<byte>(update.Payload));

    private void Delete(long id) => _db?.InTransaction((c, tx) => Journal.Delete(c, tx, id));
}
