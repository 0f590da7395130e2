using System.Net;
using System.Net.Sockets;

namespace EdgeFL.Simulator;

/// <summary>Finds free TCP ports on loopback, so that runs side by side do not collide.</summary>
internal static class FreePorts
{
    /// <summary>A port that was free a moment ago (the OS picks it).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
