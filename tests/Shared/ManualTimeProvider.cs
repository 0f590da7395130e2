namespace EdgeFL.Tests.Shared;

/// <summary>
/// A clock the test moves by hand, from <paramref name="start"/> (2026-01-01 unless given). With
/// <paramref name="manualTimers"/>, its timers (and so <c>Task.Delay(..., timeProvider)</c>) fire only as
/// <see cref="Advance"/> moves the clock past them; otherwise they run on real time, as
/// <see cref="TimeProvider.System"/>'s do (for a service hosted whole on this clock).
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset? start = null, bool manualTimers = false) : TimeProvider
{
    private readonly Lock _timersLock = new();
    private readonly List<ManualTimer> _timers = [];
    private long _ticks = (start ?? DateTimeOffset.Parse("2026-01-01T00:00:00Z", global::System.Globalization.CultureInfo.InvariantCulture)).UtcTicks;
    private int _timersCreated;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Timers created so far (with manual timers): a test waits on it to know code has armed its next wait.</summary>
    public int TimersCreated => Volatile.Read(ref _timersCreated);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!manualTimers)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        return timer;
    }

    /// <summary>Moves the clock on, firing (on this thread, in order) the manual timers it passes.</summary>
    public void Advance(TimeSpan by)
    {
        long now = Interlocked.Add(ref _ticks, by.Ticks);
        while (true)
        {
            ManualTimer? due;
            lock (_timersLock)
            {
                due = _timers.Where(t => t.Due <= now).MinBy(t => t.Due);
                if (due is null)
                {
                    return;
                }

                if (due.Period > 0)
                {
                    due.Due += due.Period;
                }
                else
                {
                    _timers.Remove(due);
                }
            }

            due.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        public long Due { get; set; }

        public long Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._timersLock)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                Due = clock.GetTimestamp() + dueTime.Ticks;
                Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                clock._timers.Add(this);
                return true;
            }
        }

        public void Dispose()
        {
            lock (clock._timersLock)
            {
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
