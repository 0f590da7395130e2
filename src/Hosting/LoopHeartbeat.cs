namespace EdgeFL.Hosting;

/// <summary>
/// The liveness of a loop: the loop ticks it on every iteration and about once a second while it
/// waits; the watchdog treats a heartbeat older than its timeout as a stalled loop.
/// </summary>
public sealed class LoopHeartbeat(TimeProvider time)
{
    private long _last = time.GetTimestamp();

    /// <summary>Records that the loop made progress now.</summary>
    public void Tick() => Interlocked.Exchange(ref _last, time.GetTimestamp());

    /// <summary>Time since the last tick.</summary>
    public TimeSpan Age => time.GetElapsedTime(Interlocked.Read(ref _last));

    /// <summary>True when the loop ticked within <paramref name="timeout"/>.</summary>
    public bool IsAlive(TimeSpan timeout) => Age <= timeout;

    /// <summary>
    /// Awaits <paramref name="task"/>, ticking once a second while it runs: a long but bounded wait
    /// (a cloud model, a pause) is the loop doing its job, not a stall.
    /// </summary>
    public async Task<T> TickWhile<T>(Task<T> task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        while (!task.IsCompleted)
        {
            Tick();
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        Tick();
        return await task.ConfigureAwait(false);
    }

    /// <summary>Awaits <paramref name="task"/>, ticking once a second while it runs.</summary>
    public Task TickWhile(Task task, CancellationToken cancellationToken = default) =>
        TickWhile(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default), cancellationToken);
}
