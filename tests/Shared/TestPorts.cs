using System.Net;
using System.Net.Sockets;

namespace EdgeFL.Tests.Shared;

/// <summary>Free loopback ports, so test runs side by side do not collide.</summary>
public static class TestPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
