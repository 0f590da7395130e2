using EdgeFL.DeviceClient;

namespace EdgeFL.Simulator;

/// <summary>
/// Takes devices off the network and brings them back, so that about a given fraction is offline at
/// any moment. At each round a gateway closes, each of its online devices drops with probability q,
/// after a random delay (so some drop while training and buffer their update), for 1-3 rounds:
/// with a mean outage of 2 rounds, q = f / (2 (1 - f)) keeps the offline fraction near f.
/// </summary>
internal sealed class ConnectivityChurn
{
    private readonly Dictionary<string, List<DeviceAgent>> _byGateway;
    private readonly Dictionary<DeviceAgent, int> _offlineRounds = [];
    private readonly Random _random;
    private readonly double _dropProbability;
    private readonly Lock _lock = new();
    private readonly CancellationToken _stopping;

    public ConnectivityChurn(Dictionary<string, List<DeviceAgent>> byGateway, double offlineFraction, int seed, CancellationToken stopping)
    {
        _byGateway = byGateway;
        _random = new Random(seed);
        _dropProbability = offlineFraction <= 0 ? 0 : offlineFraction / (2 * (1 - offlineFraction));
        _stopping = stopping;
    }

    public int OfflineCount
    {
        get { lock (_lock) { return _offlineRounds.Count; } }
    }

    /// <summary>Marks a device that starts offline; it comes back after 1-3 rounds.</summary>
    public void StartsOffline(DeviceAgent device)
    {
        lock (_lock)
        {
            _offlineRounds[device] = _random.Next(1, 4);
        }
    }

    public void OnRoundClosed(string gatewayId)
    {
        if (!_byGateway.TryGetValue(gatewayId, out var devices))
        {
            return;
        }

        var drops = new List<(DeviceAgent Device, int DelayMs)>();
        lock (_lock)
        {
            foreach (var device in devices)
            {
                if (_offlineRounds.TryGetValue(device, out int left))
                {
                    if (left <= 1)
                    {
                        _offlineRounds.Remove(device);
                        device.GoOnline();
                    }
                    else
                    {
                        _offlineRounds[device] = left - 1;
                    }
                }
                else if (_random.NextDouble() < _dropProbability)
                {
                    _offlineRounds[device] = _random.Next(1, 4);
                    drops.Add((device, _random.Next(0, 400)));
                }
            }
        }

        foreach (var (device, delay) in drops)
        {
            _ = DropLaterAsync(device, delay);
        }
    }

    private async Task DropLaterAsync(DeviceAgent device, int delayMs)
    {
        try
        {
            await Task.Delay(delayMs, _stopping).ConfigureAwait(false);
            await device.GoOfflineAsync(_stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
