using System.Net;
using System.Net.Sockets;

namespace EdgeFL.Messaging.Tests;

internal static class TestPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
