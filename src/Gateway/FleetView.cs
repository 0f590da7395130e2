using System.Collections.Concurrent;
using EdgeFL.Core.Messages;

namespace EdgeFL.Gateway;

/// <summary>The gateway's picture of its devices, from their retained status messages and last wills.</summary>
internal sealed class FleetView
{
    private readonly ConcurrentDictionary<string, DeviceStatus> _devices = new(StringComparer.Ordinal);

    /// <summary>Raised after a device's status changed.</summary>
    public event Action? Changed;

    /// <summary>
    /// Records a status. The latest to arrive wins: the broker delivers a device's messages in order,
    /// and a last will carries the time the device connected, not the time it was lost.
    /// </summary>
    public void Apply(DeviceStatus status)
    {
        _devices[status.DeviceId] = status;
        Changed?.Invoke();
    }

    /// <summary>Ids of the devices whose last status says online.</summary>
    public IReadOnlyCollection<string> OnlineDevices() =>
        _devices.Values.Where(d => d.Online).Select(d => d.DeviceId).ToArray();

    /// <summary>Every device's latest status.</summary>
    public IReadOnlyCollection<DeviceStatus> Snapshot() => _devices.Values.ToArray();
}
