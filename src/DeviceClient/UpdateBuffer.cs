namespace EdgeFL.DeviceClient;

/// <summary>
/// Updates made while offline, oldest first, bounded in count: when full, the oldest is dropped (a
/// newer update supersedes it for FedAvg, and stale ones are the first the gateway would refuse).
/// </summary>
public sealed class UpdateBuffer(int capacity)
{
    private readonly LinkedList<BufferedUpdate> _items = [];
    private readonly Lock _lock = new();
    private long _dropped;

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
            _items.AddLast(update);
            while (_items.Count > capacity)
            {
                _items.RemoveFirst();
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <summary>The oldest update, without removing it.</summary>
    public BufferedUpdate? Peek()
    {
        lock (_lock)
        {
            return _items.First?.Value;
        }
    }

    /// <summary>Removes <paramref name="update"/> once it is sent (if still the oldest).</summary>
    public void Remove(BufferedUpdate update)
    {
        lock (_lock)
        {
            if (_items.First?.Value == update)
            {
                _items.RemoveFirst();
            }
        }
    }
}
