using System.Net.Sockets;
using EdgeFL.Messaging.Flow;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Broker;

/// <summary>The embedded broker's receive path over real sockets: the receive budget and the size check before allocation.</summary>
public sealed class EmbeddedBrokerBudgetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task APublishThatDoesNotFit_WaitsUnread_UntilTheBudgetHasRoom()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(
            new EmbeddedBrokerOptions { Port = port, ReceiveBudgetBytes = 1_000_000, ReceiveBudgetStallTimeout = TimeSpan.FromMinutes(5) },
            NullLogger.Instance);
        int consumed = 0;
        broker.AddLocalConsumer("up/+", _ => Interlocked.Increment(ref consumed));
        await broker.StartAsync();
        var budget = broker.Budget!;
        await using var client = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "c" }, NullLogger.Instance);
        await client.StartAsync();
        await client.WaitConnectedAsync().WaitAsync(Timeout);

        long others = await budget.AcquireAsync(800_000, CancellationToken.None); // other connections' bodies
        var publish = client.PublishAsync("up/c", new byte[300_000], MqttQos.AtLeastOnce, retain: false);
        // Its wait is the event: the body stays unread until a release (or the five-minute stall timeout).
        await TestWait.UntilAsync(() => budget.Waiting == 1, "the publish to wait for the budget", Timeout);
        Assert.False(publish.IsCompleted);
        Assert.Equal(0, consumed);

        budget.Release(others);
        await publish.WaitAsync(Timeout);
        Assert.Equal(1, consumed);
        await TestWait.UntilAsync(() => budget.InUse == 0, "the budget to be given back", Timeout);
        Assert.Equal(0, budget.Overdrafts);
    }

    [Fact]
    public async Task ClientsPublishingAtOnce_AreHeldToTheBudget_AndEveryMessageArrives()
    {
        const int clients = 6;
        const int size = 300_000;
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(
            new EmbeddedBrokerOptions { Port = port, ReceiveBudgetBytes = 2 * (size + 1000), ReceiveBudgetStallTimeout = TimeSpan.FromMinutes(5) },
            NullLogger.Instance);
        var budget = broker.Budget!;
        long maxInUse = 0;
        int consumed = 0;
        broker.AddLocalConsumer("up/+", m =>
        {
            Assert.Equal(size, m.Payload.Length);
            Interlocked.Exchange(ref maxInUse, Math.Max(Interlocked.Read(ref maxInUse), budget.InUse));
            Interlocked.Increment(ref consumed);
        });
        await broker.StartAsync();

        var connections = Enumerable.Range(0, clients)
            .Select(i => new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = $"c{i}" }, NullLogger.Instance))
            .ToList();
        try
        {
            foreach (var c in connections)
            {
                await c.StartAsync();
                await c.WaitConnectedAsync().WaitAsync(Timeout);
            }

            var payload = new byte[size];
            await Task.WhenAll(connections.Select((c, i) => c.PublishAsync($"up/c{i}", payload, MqttQos.AtLeastOnce, retain: false))).WaitAsync(Timeout);
        }
        finally
        {
            foreach (var c in connections)
            {
                await c.DisposeAsync();
            }
        }

        Assert.Equal(clients, consumed);
        Assert.InRange(Interlocked.Read(ref maxInUse), size, budget.Capacity);
        Assert.Equal(0, budget.Overdrafts);
        await TestWait.UntilAsync(() => budget.InUse == 0, "the budget to be given back", Timeout);
    }

    [Fact]
    public async Task APacketAnnouncedOverTheLimit_ClosesTheConnection_BeforeItIsRead()
    {
        int port = TestPorts.Free();
        await using var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port }, NullLogger.Instance);
        await broker.StartAsync();

        // A CONNECT announcing 100 MiB, from a client that has not authenticated: the broker must not allocate it.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        await socket.SendAsync(new byte[] { 0x10, 0x80, 0x80, 0x80, 0x32 }); // CONNECT, remaining length 100 MiB
        var buffer = new byte[16];
        using var wait = new CancellationTokenSource(Timeout);
        int read;
        try
        {
            read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
        }
        catch (SocketException)
        {
            read = 0; // reset: closed as well
        }

        Assert.Equal(0, read);
        Assert.Equal(1, broker.OversizeDropped);
    }
}
