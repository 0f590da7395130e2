using EdgeFL.Core.Messages;

namespace EdgeFL.CloudBridge.Link;

/// <summary>
/// The gateways the cloud knows will not upload (they said <c>offline</c> or <c>idle</c>, or their last will did)
/// until they say <c>online</c> again. A gateway never heard from counts as present: the sync waits for it.
/// Thread-safe.
/// </summary>
internal sealed class GatewayPresenceBook
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _absent = new(StringComparer.Ordinal);

    /// <summary>Records what <paramref name="gatewayId"/> said; true when it changes whether the cloud waits for it.</summary>
    public bool Set(string gatewayId, GatewayPresence presence)
    {
        lock (_gate)
        {
            return presence == GatewayPresence.Online ? _absent.Remove(gatewayId) : _absent.Add(gatewayId);
        }
    }

    /// <summary>True when <paramref name="gatewayId"/> is known not to upload.</summary>
    public bool IsAbsent(string gatewayId)
    {
        lock (_gate)
        {
            return _absent.Contains(gatewayId);
        }
    }

    /// <summary>Absent gateways not among <paramref name="uploaded"/>.</summary>
    public int AbsentExcept(IReadOnlyCollection<string> uploaded)
    {
        lock (_gate)
        {
            return _absent.Count(id => !uploaded.Contains(id));
        }
    }
}
