namespace EdgeFL.Hosting;

/// <summary>
/// What a service tells its supervisor: when it is ready (READY=1), and the liveness checks that must
/// all pass for each watchdog heartbeat (WATCHDOG=1). One per host; components register checks.
/// </summary>
public sealed class ServiceHealth
{
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly List<(string Name, Func<bool> IsAlive)> _checks = [];

    /// <summary>Completes with the status text once the service is ready.</summary>
    public Task<string> Ready => _ready.Task;

    /// <summary>True once <see cref="MarkReady"/> was called.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>Says the service is ready: its listeners are bound and its connections set up.</summary>
    public void MarkReady(string status) => _ready.TrySetResult(status);

    /// <summary>Adds a liveness check; a heartbeat is sent only while every check returns true.</summary>
    public void AddCheck(string name, Func<bool> isAlive)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(isAlive);
        lock (_lock)
        {
            _checks.Add((name, isAlive));
        }
    }

    /// <summary>The names of the checks that fail now (empty when the service is alive).</summary>
    public IReadOnlyList<string> FailingChecks()
    {
        (string Name, Func<bool> IsAlive)[] checks;
        lock (_lock)
        {
            checks = [.. _checks];
        }

        var failing = new List<string>();
        foreach (var (name, isAlive) in checks)
        {
            bool alive;
            try
            {
                alive = isAlive();
            }
#pragma warning disable CA1031 // A check that throws is a failing check, not a crashed watchdog.
            catch (Exception)
#pragma warning restore CA1031
            {
                alive = false;
            }

            if (!alive)
            {
                failing.Add(name);
            }
        }

        return failing;
    }
}
