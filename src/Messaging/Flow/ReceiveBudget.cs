namespace EdgeFL.Messaging.Flow;

/// <summary>
/// The bytes of large packet bodies an embedded broker may hold at once, across all its connections.
/// A connection asks for a body's size as soon as its header has arrived (before MQTTnet allocates the
/// body) and gives it back once the broker has handled the packet; while the budget is spent, the
/// connections that ask wait in order of arrival and stop reading their sockets, so TCP flow control
/// holds the rest of their bytes on the senders' side.
/// </summary>
/// <remarks>
/// A body larger than the whole budget waits until it can have all of it. The budget bounds memory
/// without stopping progress: when nothing has been given back for <see cref="StallTimeout"/> while
/// connections wait (the holders are slow links, or stalled on purpose), every waiting connection is
/// let in over the budget (<see cref="Overdrafts"/>), as a broker without a budget would.
/// <para>The budget bounds the bodies alive at once; the ones handled are garbage that the GC frees only at
/// its next full collection, and with model-sized large-object-heap arrays arriving at network speed it
/// lets hundreds of MB of them accumulate first. So every <see cref="CollectEvery"/> bytes given back
/// the budget requests a background (non-blocking) collection: the freed arrays' memory is then reused
/// by the next bodies instead of the heap growing. The interval is the capacity; for bodies of at most a
/// quarter of it, the capacity or <see cref="MinimumCollectEvery"/>, whichever is larger: each full
/// collection marks the whole heap (a few ms of a core), so with small updates (100 KB against the 1 MiB
/// minimum budget) one per capacity meant a collection every ten updates, about 20 in a 200-device round,
/// while bodies near the capacity (a model of 1 MB) keep one per capacity and so their few model sizes of
/// garbage. Thread-safe.</para>
/// </remarks>
internal sealed class ReceiveBudget
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly TimeProvider _time;
    private long _inUse;
    private long _progressAt;
    private long _overdrafts;
    private long _waits;
    private long _releasedSinceCollect;
    private long _collections;
    private long _capacity;
    private long _collectEvery;

    /// <summary>
    /// A budget of <paramref name="capacity"/> bytes; <paramref name="collectEvery"/> 0 requests no collections,
    /// otherwise one per <paramref name="collectEvery"/> bytes given back (after a resize, per capacity), or per
    /// <c>max(that, minimumCollectEvery)</c> while the bodies given back are at most a quarter of the capacity.
    /// </summary>
    public ReceiveBudget(long capacity, TimeSpan stallTimeout, TimeProvider? time = null, long collectEvery = 0, long minimumCollectEvery = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stallTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(collectEvery);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCollectEvery);
        _capacity = capacity;
        MinimumCollectEvery = minimumCollectEvery;
        _collectEvery = collectEvery;
        StallTimeout = stallTimeout;
        _time = time ?? TimeProvider.System;
        _progressAt = _time.GetTimestamp();
    }

    /// <summary>Bytes of bodies held at once, at most (apart from overdrafts).</summary>
    public long Capacity
    {
        get { lock (_lock) { return _capacity; } }
    }

    /// <summary>How long waiting connections wait with nothing given back before they are all let in.</summary>
    public TimeSpan StallTimeout { get; }

    /// <summary>
    /// The interval floor the gateway's budgets use (the embedded broker's and its client's) for small bodies: 4 MiB
    /// of handled bodies (about twice that of garbage with MQTTnet's copies of the payloads) between two full collections.
    /// </summary>
    public const long DefaultMinimumCollectEvery = 4L << 20;

    /// <summary>The smallest interval between two requested collections while the bodies are small against the capacity (0: none).</summary>
    public long MinimumCollectEvery { get; }

    /// <summary>Bytes given back between two requested background collections (0: none requested).</summary>
    public long CollectEvery
    {
        get { lock (_lock) { return _collectEvery; } }
    }

    /// <summary>Background collections requested so far.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>Bytes held now.</summary>
    public long InUse
    {
        get { lock (_lock) { return _inUse; } }
    }

    /// <summary>Connections waiting now.</summary>
    public int Waiting
    {
        get { lock (_lock) { return _queue.Count; } }
    }

    /// <summary>Times a caller had to queue for the budget, since start.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Bodies let in over the budget because it had stalled, since start.</summary>
    public long Overdrafts => Interlocked.Read(ref _overdrafts);

    /// <summary>
    /// Waits until <paramref name="bytes"/> (at most <see cref="Capacity"/>) can be held, and holds them.
    /// Returns the amount held, to be given back with <see cref="Release"/>.
    /// </summary>
    public async Task<long> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(Math.Max(0, bytes));
        lock (_lock)
        {
            if (_queue.Count == 0 && TryHold(waiter))
            {
                return waiter.Amount;
            }

            if (_queue.Count == 0)
            {
                _progressAt = _time.GetTimestamp(); // the stall clock starts when someone first has to wait
            }

            waiter.Node = _queue.AddLast(waiter);
            Interlocked.Increment(ref _waits);
        }

        try
        {
            while (true)
            {
                TimeSpan wait;
                lock (_lock)
                {
                    if (waiter.Node is null)
                    {
                        return waiter.Amount; // granted by a release or a resize
                    }

                    TimeSpan idle = _time.GetElapsedTime(_progressAt);
                    if (idle >= StallTimeout)
                    {
                        _queue.Remove(waiter.Node);
                        waiter.Node = null;
                        waiter.Amount = Math.Min(waiter.Requested, _capacity);
                        _inUse += waiter.Amount;
                        Interlocked.Increment(ref _overdrafts);
                        return waiter.Amount;
                    }

                    wait = StallTimeout - idle;
                }

                using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var timer = Task.Delay(wait, _time, delay.Token);
                await Task.WhenAny(waiter.Granted.Task, timer).ConfigureAwait(false);
                await delay.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException)
        {
            bool held;
            lock (_lock)
            {
                held = waiter.Node is null;
                if (!held)
                {
                    _queue.Remove(waiter.Node!);
                    waiter.Node = null;
                }
            }

            if (held)
            {
                Release(waiter.Amount); // granted just as the wait was cancelled
            }
            else
            {
                Release(0); // whoever waited behind it may fit now
            }

            throw;
        }
    }

    /// <summary>
    /// Sets the capacity (and, when collections are requested, their interval) to <paramref name="capacity"/>
    /// bytes, e.g. to one model's size once the model is known, and lets in the waiting connections that now
    /// fit. Bytes already held stay held; a smaller capacity applies to the next requests.
    /// </summary>
    public void Resize(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        lock (_lock)
        {
            _capacity = capacity;
            if (_collectEvery > 0)
            {
                _collectEvery = capacity;
            }
        }

        Release(0);
    }

    /// <summary>Gives back <paramref name="amount"/> held bytes and lets in the waiting connections that now fit, in order.</summary>
    public void Release(long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        List<Waiter>? granted = null;
        bool collect = false;
        lock (_lock)
        {
            _inUse = Math.Max(0, _inUse - amount);
            if (amount > 0)
            {
                _progressAt = _time.GetTimestamp();
                _releasedSinceCollect += amount;
                long interval = amount * 4 <= _capacity ? Math.Max(_collectEvery, MinimumCollectEvery) : _collectEvery;
                if (_collectEvery > 0 && _releasedSinceCollect >= interval)
                {
                    _releasedSinceCollect %= interval;
                    collect = true;
                }
            }

            while (_queue.First is { } first && TryHold(first.Value))
            {
                _queue.RemoveFirst();
                first.Value.Node = null;
                (granted ??= []).Add(first.Value);
            }
        }

        if (granted is not null)
        {
            foreach (var waiter in granted)
            {
                waiter.Granted.TrySetResult();
            }
        }

        if (collect)
        {
            Interlocked.Increment(ref _collections);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
        }
    }

    /// <summary>Holds the waiter's request (at most the whole capacity) if it fits now. Call under the lock.</summary>
    private bool TryHold(Waiter waiter)
    {
        long amount = Math.Min(waiter.Requested, _capacity);
        if (_inUse + amount > _capacity)
        {
            return false;
        }

        waiter.Amount = amount;
        _inUse += amount;
        return true;
    }

    private sealed class Waiter(long requested)
    {
        /// <summary>The bytes asked for.</summary>
        public long Requested { get; } = requested;

        /// <summary>The bytes held once granted: the request, or the whole capacity if it asked for more.</summary>
        public long Amount { get; set; }

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Its place in the queue; null once it holds its bytes (or has left).</summary>
        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
