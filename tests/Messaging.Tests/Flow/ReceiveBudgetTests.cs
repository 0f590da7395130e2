using EdgeFL.Messaging.Flow;
using EdgeFL.Messaging.Tests.Broker;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Messaging.Tests.Flow;

public sealed class ReceiveBudgetTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WithinCapacity_IsHeldAtOnce_AndGivenBack()
    {
        var budget = new ReceiveBudget(10, Long);
        Assert.Equal(4, await budget.AcquireAsync(4, CancellationToken.None));
        Assert.Equal(6, await budget.AcquireAsync(6, CancellationToken.None));
        Assert.Equal(10, budget.InUse);
        budget.Release(4);
        Assert.Equal(6, budget.InUse);
    }

    [Fact]
    public async Task Resize_LetsInWhatNowFits_AndClampsLaterRequestsToTheNewCapacity()
    {
        var budget = new ReceiveBudget(10, Long, collectEvery: 10);
        Assert.Equal(8, await budget.AcquireAsync(8, CancellationToken.None));
        var waiting = budget.AcquireAsync(5, CancellationToken.None);
        Assert.Equal(1, budget.Waiting); // queued: only a release, a resize or the (long) stall timeout lets it in
        Assert.False(waiting.IsCompleted);

        budget.Resize(20); // the model turned out larger: its update fits beside the one held
        Assert.Equal(5, await waiting.WaitAsync(Timeout));
        Assert.Equal((20, 20, 13L), (budget.Capacity, budget.CollectEvery, budget.InUse));

        budget.Release(13);
        budget.Resize(3); // smaller: a request for more than all of it holds all of it
        Assert.Equal(3, await budget.AcquireAsync(7, CancellationToken.None));
        Assert.Equal(3, budget.InUse);
        Assert.Throws<ArgumentOutOfRangeException>(() => budget.Resize(0));
    }

    [Fact]
    public async Task WhenSpent_RequestsWait_AndAreLetInInOrderOfArrival()
    {
        var budget = new ReceiveBudget(10, Long);
        await budget.AcquireAsync(8, CancellationToken.None);
        var big = budget.AcquireAsync(5, CancellationToken.None);
        var small = budget.AcquireAsync(1, CancellationToken.None); // would fit, but waits its turn behind the big one
        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted);
        Assert.Equal(2, budget.Waiting);

        budget.Release(8);
        Assert.Equal(5, await big.WaitAsync(Timeout));
        Assert.Equal(1, await small.WaitAsync(Timeout));
        Assert.Equal(6, budget.InUse);
        Assert.Equal(0, budget.Overdrafts);
    }

    [Fact]
    public async Task ABodyLargerThanTheBudget_WaitsForAllOfIt()
    {
        var budget = new ReceiveBudget(10, Long);
        await budget.AcquireAsync(3, CancellationToken.None);
        var huge = budget.AcquireAsync(1000, CancellationToken.None);
        Assert.Equal(1, budget.Waiting);
        Assert.False(huge.IsCompleted);
        budget.Release(3);
        Assert.Equal(10, await huge.WaitAsync(Timeout));
    }

    [Fact]
    public async Task WhenNothingIsGivenBackForTheStallTimeout_EveryWaiterIsLetInOverTheBudget()
    {
        var budget = new ReceiveBudget(10, TimeSpan.FromMilliseconds(200));
        await budget.AcquireAsync(10, CancellationToken.None); // a stalled (or slow) holder
        var a = budget.AcquireAsync(5, CancellationToken.None);
        var b = budget.AcquireAsync(5, CancellationToken.None);
        await Task.WhenAll(a, b).WaitAsync(Timeout);
        Assert.Equal(20, budget.InUse);
        Assert.Equal(2, budget.Overdrafts);
    }

    [Fact]
    public async Task AReleaseRestartsTheStallClock()
    {
        var time = new ManualTimeProvider(manualTimers: true);
        var budget = new ReceiveBudget(10, TimeSpan.FromMilliseconds(100), time);
        await budget.AcquireAsync(6, CancellationToken.None);
        await budget.AcquireAsync(1, CancellationToken.None);
        var waiting = budget.AcquireAsync(8, CancellationToken.None);

        time.Advance(TimeSpan.FromMilliseconds(90));
        budget.Release(1); // progress: 6 of 10 held, the 8 still does not fit
        time.Advance(TimeSpan.FromMilliseconds(60)); // 150 ms since it began to wait, 60 since the release

        // Its first wait (100 ms) has run out; it must wait again for the rest of the timeout counted from
        // the release, not let itself in: a second timer is the proof that it looked and stayed.
        await TestWait.UntilAsync(() => time.TimersCreated == 2 || waiting.IsCompleted, "the waiter to look again", Timeout);
        Assert.False(waiting.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(8, await waiting.WaitAsync(Timeout));
        Assert.Equal(1, budget.Overdrafts);
    }

    [Fact]
    public async Task ACancelledWait_LeavesTheQueue_AndWhoeverWaitedBehindItMayGoIn()
    {
        var budget = new ReceiveBudget(10, Long);
        await budget.AcquireAsync(6, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var first = budget.AcquireAsync(8, cancel.Token);
        var second = budget.AcquireAsync(4, CancellationToken.None);
        Assert.Equal(2, budget.Waiting);
        Assert.False(second.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(4, await second.WaitAsync(Timeout));
        Assert.Equal(10, budget.InUse);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public async Task SmallBodies_AreCollectedPerFloor_LargeOnesPerCapacity()
    {
        var budget = new ReceiveBudget(20, Long, collectEvery: 20, minimumCollectEvery: 50);
        for (int i = 0; i < 20; i++)
        {
            await budget.AcquireAsync(5, CancellationToken.None); // a quarter of the capacity: small
            budget.Release(5);
        }

        Assert.Equal(2, budget.Collections); // 100 bytes given back: one collection per 50, not per 20

        var large = new ReceiveBudget(20, Long, collectEvery: 20, minimumCollectEvery: 50);
        for (int i = 0; i < 10; i++)
        {
            await large.AcquireAsync(10, CancellationToken.None); // half the capacity: collected per capacity as before
            large.Release(10);
        }

        Assert.Equal(5, large.Collections);
        Assert.Equal(20, large.CollectEvery);
        Assert.Equal(0, new ReceiveBudget(20, Long, minimumCollectEvery: 50).CollectEvery); // no collections stays none
    }

    [Fact]
    public async Task EveryCollectEveryBytesGivenBack_ABackgroundCollectionIsRequested()
    {
        var budget = new ReceiveBudget(10, Long, collectEvery: 10);
        for (int i = 0; i < 5; i++)
        {
            await budget.AcquireAsync(4, CancellationToken.None);
            budget.Release(4);
        }

        Assert.Equal(2, budget.Collections);
    }
}
