using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Messaging.Tests.Flow;

/// <summary>
/// A client's receive budget against a real mosquitto: large messages the handler has not yet acknowledged
/// are held to the budget (the rest stay unread at the broker), whatever Receive Maximum the broker applies.
/// </summary>
public sealed class MeteredClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ASlowHandler_HoldsNoMoreThanTheBudget_AndEveryMessageArrivesInOrder()
    {
        const int messages = 10;
        const int size = 300_000;
        await using var broker = await Mosquitto.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new List<int>();
        long peakHeld = 0;

        // No Receive Maximum: mosquitto may send everything at once; only the budget holds it back.
        await using var slow = new MqttConnection(
            new MqttConnectionOptions { Port = broker.Port, ClientId = "slow", ReceiveBudgetBytes = 2 * (size + 1000), ReceiveBudgetStallTimeout = TimeSpan.FromMinutes(5) },
            NullLogger.Instance);
        var budget = slow.ReceiveBudget!;
        await slow.SubscribeAsync("m/+", MqttQos.AtLeastOnce, async (m, ct) =>
        {
            InterlockedMax(ref peakHeld, budget.InUse);
            await release.Task;
            lock (handled)
            {
                handled.Add(m.Payload.FirstSpan[0]);
            }
        }, CancellationToken.None);
        await slow.StartAsync();
        await slow.WaitConnectedAsync().WaitAsync(Timeout);

        await using var fast = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "fast" }, NullLogger.Instance);
        await fast.StartAsync();
        await fast.WaitConnectedAsync().WaitAsync(Timeout);
        for (int i = 0; i < messages; i++)
        {
            var payload = new byte[size];
            payload[0] = (byte)i;
            await fast.PublishAsync($"m/{i}", payload, MqttQos.AtLeastOnce, retain: false);
        }

        // The handler sits on the first message: two bodies fit the budget, the third waits unread (its wait
        // is the event: it cannot be let in before a release or the five-minute stall timeout).
        await TestWait.UntilAsync(() => budget.Waiting == 1, "the third message to wait for the budget", Timeout);
        Assert.True(budget.InUse <= budget.Capacity, $"held {budget.InUse} > {budget.Capacity}");
        Assert.Equal(1, budget.Waiting);
        Assert.Empty(handled);

        release.SetResult();
        await TestWait.UntilAsync(() => { lock (handled) { return handled.Count == messages; } }, "every message handled", Timeout);
        Assert.Equal(Enumerable.Range(0, messages), handled);
        Assert.True(peakHeld <= budget.Capacity, $"peak {peakHeld} > {budget.Capacity}");
        await TestWait.UntilAsync(() => budget.InUse == 0, "the budget given back once every message is acknowledged", Timeout);
        Assert.Equal(0, budget.Overdrafts);
    }

    [Fact]
    public async Task MessagesHeldWhenTheConnectionDrops_GiveTheirBudgetBack()
    {
        const int size = 300_000;
        await using var broker = await Mosquitto.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = new MqttConnection(
            new MqttConnectionOptions { Port = broker.Port, ClientId = "slow", ReceiveBudgetBytes = 10 * size, ReceiveBudgetStallTimeout = TimeSpan.FromMinutes(5) },
            NullLogger.Instance);
        var budget = slow.ReceiveBudget!;
        await slow.SubscribeAsync("m/+", MqttQos.AtLeastOnce, async (m, ct) => await hold.Task, CancellationToken.None);
        await slow.StartAsync();
        await slow.WaitConnectedAsync().WaitAsync(Timeout);
        await using var fast = new MqttConnection(new MqttConnectionOptions { Port = broker.Port, ClientId = "fast" }, NullLogger.Instance);
        await fast.StartAsync();
        await fast.WaitConnectedAsync().WaitAsync(Timeout);
        for (int i = 0; i < 3; i++)
        {
            await fast.PublishAsync($"m/{i}", new byte[size], MqttQos.AtLeastOnce, retain: false);
        }

        await TestWait.UntilAsync(() => budget.InUse >= 3 * size, "three messages held", Timeout);
        // Drops the connection with them unacknowledged: the one in the handler may still get its PUBACK out,
        // the two queued behind it are never handled, and only the connection's end gives their bytes back.
        var offline = slow.GoOfflineAsync(CancellationToken.None);
        hold.SetResult();
        await offline.WaitAsync(Timeout);
        await TestWait.UntilAsync(() => budget.InUse == 0, "the dropped connection's budget given back", Timeout);
    }

    [Fact]
    public void ABadBudget_IsRefusedNamingTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new MqttConnectionOptions { ClientId = "x", ReceiveBudgetBytes = -1 }.Validate("Test"));
        Assert.Contains("Test:ReceiveBudgetBytes", ex.Message, StringComparison.Ordinal);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
