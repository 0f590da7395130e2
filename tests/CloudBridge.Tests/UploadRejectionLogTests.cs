using EdgeFL.Core.Messages;
using EdgeFL.Core.Rounds;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging;
using static EdgeFL.CloudBridge.Tests.CloudAggregatorTests;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>Issue 15, finding 5 at the cloud: each rejected upload was logged (3102) without a limit.</summary>
public sealed class UploadRejectionLogTests
{
    [Fact]
    public void TenThousandRejectedUploads_GiveFiveLines_AndAreAllCounted()
    {
        var time = new ManualTimeProvider();
        var lines = new Counter();
        var aggregator = new CloudAggregator(new CloudAggregatorOptions(), lines, time);
        aggregator.Adopt(new ModelMessage("m", 5, "cloud", 0, DateTimeOffset.UnixEpoch, Filled(0)));
        var stale = Upload("gw-evil", 1, 3, 10, Filled(1));
        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal(AdmissionOutcome.TooStale, aggregator.OnUpload("gw-evil", stale));
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(10_000, aggregator.RejectedByReason["TooStale"]);
        Assert.Equal(5, lines.Warnings);
    }

    private sealed class Counter : ILogger
    {
        private int _warnings;

        public int Warnings => Volatile.Read(ref _warnings);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                Interlocked.Increment(ref _warnings);
            }
        }
    }
}
