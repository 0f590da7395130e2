using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Issue 15, finding 5: malformed status, decline and telemetry messages were logged one line each
/// (9,948 messages in 10 s gave 9,948 lines, 1.85 MB). Every one is counted; at most 5 lines a minute per
/// device and kind are logged, and the count of the others comes with the next line let through.
/// </summary>
public sealed class RejectionLogFloodTests
{
    [Theory]
    [InlineData("status")]
    [InlineData("decline")]
    [InlineData("telemetry")]
    public void TenThousandBadControlMessages_GiveAHandfulOfLines_AndAreAllCounted(string kind)
    {
        var time = new ManualTimeProvider();
        var lines = new CountingLogger();
        var metrics = new GatewayMetrics();
        var log = new ControlRejectionLog(new GatewayOptions { GatewayId = "gw" }, metrics, lines, time);
        for (int i = 0; i < 10_000; i++)
        {
            log.Refused(kind, $"edgefl/v1/gw/devices/dev-evil/{kind}", "dev-evil", "Malformed: message: expected map");
            time.Advance(TimeSpan.FromMilliseconds(1)); // 10,000 messages in 10 s
        }

        Assert.Equal(10_000, metrics.ControlRejectedByKind[kind]);
        Assert.Equal(5, lines.Count);

        // A minute later the next line reports how many were not logged.
        time.Advance(TimeSpan.FromMinutes(1));
        log.Refused(kind, $"edgefl/v1/gw/devices/dev-evil/{kind}", "dev-evil", "Malformed");
        Assert.Equal(7, lines.Count);
        Assert.Contains(lines.Messages, m => m.Contains("9995 more refused", StringComparison.Ordinal));
    }

    /// <summary>Counts the lines logged at Information and above.</summary>
    private sealed class CountingLogger : ILogger
    {
        private readonly List<string> _messages = [];

        public int Count
        {
            get { lock (_messages) { return _messages.Count; } }
        }

        public IReadOnlyList<string> Messages
        {
            get { lock (_messages) { return [.. _messages]; } }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_messages)
            {
                _messages.Add(formatter(state, exception));
            }
        }
    }
}
