using System.Threading.Channels;
using EdgeFL.CloudBridge.Link;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.CloudBridge.Tests;

public sealed class AckSenderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Acks_GoOutConcurrently_UpToTheLimit_AndAFailedOneDoesNotStopTheOthers()
    {
        var acks = Channel.CreateUnbounded<UploadAck>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new List<string>();
        int inFlight = 0, maxInFlight = 0;
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int total = AckSender.MaxInFlight * 2;

        async Task Publish(string topic, byte[] payload, CancellationToken ct)
        {
            int now = Interlocked.Increment(ref inFlight);
            lock (sent)
            {
                maxInFlight = Math.Max(maxInFlight, now);
            }

            try
            {
                await release.Task.WaitAsync(ct);
                if (topic.EndsWith("/gw0", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("broker down for this one");
                }

                lock (sent)
                {
                    sent.Add(topic);
                    if (sent.Count == total - 1)
                    {
                        allSent.TrySetResult();
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        using var stop = new CancellationTokenSource();
        var sender = new AckSender(Publish, new TopicScheme(), NullLogger.Instance);
        var run = sender.RunAsync(acks.Reader, stop.Token);
        for (int g = 0; g < total; g++)
        {
            await acks.Writer.WriteAsync(new UploadAck($"gw{g}", $"u{g}", 1, UploadAck.Accepted));
        }

        // Until the first publishes complete, exactly the limit is out at once.
        await TestWait.UntilAsync(() => Volatile.Read(ref inFlight) == AckSender.MaxInFlight, "the limit reached", Timeout);
        release.SetResult();
        await allSent.Task.WaitAsync(Timeout);

        Assert.Equal(AckSender.MaxInFlight, maxInFlight);
        Assert.DoesNotContain(sent, t => t.EndsWith("/gw0", StringComparison.Ordinal));
        Assert.Equal(total - 1, sent.Distinct().Count());
        await stop.CancelAsync();
        await run.WaitAsync(Timeout);
    }
}
