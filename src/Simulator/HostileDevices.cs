namespace EdgeFL.Simulator;

/// <summary>Simulation only: which demo devices are hostile (<c>--hostile F</c>).</summary>
internal static class HostileDevices
{
    /// <summary>
    /// round(<paramref name="fraction"/> x devices) device indices, picked by <paramref name="seed"/> and
    /// spread over the gateways in turn (gateway g holds devices d with d x gateways / devices == g, as
    /// the demo assigns them), so no gateway gets a second hostile device before every gateway has one.
    /// </summary>
    public static IReadOnlySet<int> Choose(int devices, int gateways, double fraction, int seed)
    {
        int count = (int)Math.Round(fraction * devices, MidpointRounding.AwayFromZero);
        var random = new Random(seed);
        var pools = Enumerable.Range(0, gateways)
            .Select(g => Enumerable.Range(0, devices).Where(d => d * gateways / devices == g).OrderBy(_ => random.Next()).ToList())
            .ToArray();
        int firstGateway = random.Next(gateways);
        var chosen = new SortedSet<int>();
        for (int i = 0; chosen.Count < count; i++)
        {
            var pool = pools[(firstGateway + i) % gateways];
            if (pool.Count > 0)
            {
                chosen.Add(pool[^1]);
                pool.RemoveAt(pool.Count - 1);
            }
        }

        return chosen;
    }
}
