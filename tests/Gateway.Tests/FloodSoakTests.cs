using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 15's soak, bounded: for 60 s a provisioned device floods the gateway with a mix of garbage, oversize
/// payloads, large retained messages on its own four topics and half-open sockets, while three honest devices
/// train. Rounds keep closing, the process's RSS stays under the gateway unit's MemoryMax (256 MiB; this is the
/// whole test host, so it bounds the gateway from above), and every accepted update is in a closed round.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class FloodSoakTests(ITestOutputHelper output) : IDisposable
{
    // The flood may grow the process by at most half the gateway unit's MemoryMax=256M. The test process's absolute RSS
    // is no measure of the gateway: it holds what the suite's earlier tests left in the heap (289-310 MiB in CI).
    private const long GrowthMax = 128L * 1024 * 1024;
    private static readonly TimeSpan Soak = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly GatewayHarness _harness = new();
    private readonly TopicScheme _topics = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    [Trait("Category", "Soak")]
    public async Task UnderAMixedFlood_RoundsKeepClosing_MemoryStaysBounded_NothingAcceptedIsLost()
    {
        int port = TestPorts.Free();
        var (host, observer) = await _harness.StartAsync(port, maxRounds: 0, quorum: 1.0, deadline: TimeSpan.FromSeconds(5), new Dictionary<string, string?> { ["Gateway:Updates:MaxBytes"] = (4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var disposeHost = host;
        var metrics = host.Services.GetRequiredService<GatewayMetrics>();
        string[] honest = ["dev-a", "dev-b", "dev-c"];
        var devices = new List<MqttConnection>();
        foreach (string id in honest)
        {
            devices.Add(await _harness.DeviceAsync(port, id, (c, model, ct) =>
                c.PublishAsync(_topics.DeviceUpdate("gw", id), WireCodec.Encode(TestModels.Update(id, model.Round, 100, TestModels.Filled(1))), MqttQos.AtLeastOnce, false, ct)));
        }

        var attacker = await _harness.DeviceAsync(port, "dev-evil", (_, _, _) => Task.CompletedTask, online: false);
        devices.Add(attacker);
        await GatewayHarness.WhenOnlineAsync(host, Timeout, honest);

        long startRss = CurrentRss();
        var clock = Stopwatch.StartNew();
        long peakRss = startRss;
        int floods = 0;
        var halfOpen = new List<Socket>();
        var rng = new Random(15);
        byte[] retained = RandomBytes(rng, 1024 * 1024);
        byte[] oversize = new byte[8 * 1024 * 1024];
        string[] kinds = ["update", "status", "telemetry", "decline"];
        try
        {
            while (clock.Elapsed < Soak)
            {
                string kind = kinds[floods % kinds.Length];
                string topic = _topics.DeviceUpdate("gw", "dev-evil")[..^"update".Length] + kind;
                byte[] payload = (floods % 3) switch
                {
                    0 => retained,                              // 1 MiB, retained, on each of its four topics
                    1 => RandomBytes(rng, rng.Next(1, 2048)),   // garbage
                    _ => oversize,                              // over Gateway:Updates:MaxBytes: the broker closes the connection
                };
                try
                {
                    await attacker.WaitConnectedAsync().WaitAsync(Timeout);
                    await Task.Yield();
                    await attacker.PublishAsync(topic, payload, MqttQos.AtLeastOnce, retain: floods % 3 == 0);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Refused, as it should be (PUBACK 0x97/0x99/0x83), or the broker closed the connection for an
                    // oversize packet (not connected, or the client's own timeout): the attacker's problem.
                }

                if (floods % 10 == 0)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(IPAddress.Loopback, port);
                    await socket.SendAsync(new byte[] { 0x10, 40, 0x00 }, SocketFlags.None);
                    halfOpen.Add(socket);
                }

                floods++;
                peakRss = Math.Max(peakRss, CurrentRss());
            }

            int before = observer.Rounds.Count;
            await TestWait.UntilAsync(() => observer.Rounds.Count >= before + 2, "two more rounds after the flood", Timeout);
        }
        finally
        {
            foreach (var socket in halfOpen)
            {
                socket.Dispose();
            }

            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }

        await host.StopAsync();
        var rounds = observer.Rounds.ToArray();
        output.WriteLine($"{floods} flood messages, {halfOpen.Count} half-open sockets, {rounds.Length} rounds, peak RSS {peakRss / (1024 * 1024)} MiB (at the start {startRss / (1024 * 1024)} MiB), rejected {metrics.Rejected}, retained {host.Services.GetRequiredService<Link.DeviceLink>().Broker!.RetainedBytes} bytes");
        Assert.True(rounds.Length >= 3, $"only {rounds.Length} rounds closed");
        Assert.True(peakRss - startRss < GrowthMax, $"RSS grew from {startRss} to {peakRss} bytes under the flood");
        Assert.Equal(metrics.Accepted, rounds.Sum(r => (long)r.Accepted));
        Assert.True(rounds.Count(r => r.Accepted == honest.Length) >= 2, "rounds with every honest update");
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        byte[] b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static long CurrentRss()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }
}
