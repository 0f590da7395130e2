namespace EdgeFL.Hosting;

/// <summary>
/// A broker connection's liveness for the watchdog: alive while connected, and for a grace period
/// after a drop (the reconnect loop's business); dead once it stays down longer.
/// </summary>
public sealed class ConnectionLiveness(Func<bool> isConnected, TimeSpan grace, TimeProvider time)
{
    private long _lastConnected = time.GetTimestamp();

    /// <summary>Samples the connection; true when connected now or within the grace period.</summary>
    public bool IsAlive()
    {
        if (isConnected())
        {
            Interlocked.Exchange(ref _lastConnected, time.GetTimestamp());
            return true;
        }

        return time.GetElapsedTime(Interlocked.Read(ref _lastConnected)) <= grace;
    }
}
