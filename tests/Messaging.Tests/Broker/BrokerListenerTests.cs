using System.Net;
using System.Net.Sockets;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Broker;

/// <summary>The embedded broker's own listeners bind as MQTTnet's did.</summary>
public sealed class BrokerListenerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task BindingEveryAddress_ListensOnIPv4_AndOnIPv6WhereTheMachineHasIt()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { BindAddress = "0.0.0.0", Port = port }, NullLogger.Instance);
        await broker.StartAsync();
        var hosts = new List<string> { "127.0.0.1" };
        if (Socket.OSSupportsIPv6 && CanBindIPv6Loopback())
        {
            hosts.Add("::1");
        }

        foreach (string host in hosts)
        {
            await using var client = new MqttConnection(new MqttConnectionOptions { Host = host, Port = port, ClientId = "c-" + host.Replace(':', '6') }, NullLogger.Instance);
            await client.StartAsync();
            await client.WaitConnectedAsync().WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task APortInUse_FailsTheStart()
    {
        int port = TestPorts.Free();
        await using var first = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await first.StartAsync();
        await using var second = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await Assert.ThrowsAnyAsync<SocketException>(() => second.StartAsync());
    }

    private static bool CanBindIPv6Loopback()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
