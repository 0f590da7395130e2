using System.Net;
using System.Net.Sockets;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;

namespace EdgeFL.Simulator;

/// <summary>Finds free TCP ports on loopback, so that runs side by side do not collide.</summary>
internal static class FreePorts
{
    /// <summary>How many times a host is built on new ports when one it picked was taken before it bound it.</summary>
    internal const int MaxAttempts = 5;

    /// <summary>A port that was free a moment ago (the OS picks it).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Builds a host on ports from <paramref name="pick"/> and starts it. A port that was free when picked can be
    /// taken before the host binds it (another run's listener, or any outgoing connection's local port, which the
    /// OS draws from the same range), so where <paramref name="retry"/> the host is stopped, disposed and built
    /// again on new ports, up to <see cref="MaxAttempts"/> times.
    /// </summary>
    public static async Task<(IHost Host, TPorts Ports)> StartAsync<TPorts>(Func<TPorts> pick, Func<TPorts, IHost> build, bool retry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pick);
        ArgumentNullException.ThrowIfNull(build);
        for (int attempt = 1; ; attempt++)
        {
            TPorts ports = pick();
            IHost host = build(ports);
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
                return (host, ports);
            }
            catch (ServiceStartException) when (retry && attempt < MaxAttempts)
            {
                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await host.StopAsync(stopping.Token).ConfigureAwait(false);
                host.Dispose();
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }
    }
}
