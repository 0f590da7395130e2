using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Tests.Shared.Logging;

/// <summary>
/// Keeps an in-process host's log lines (time-stamped, at most <c>capacity</c>) so that a test can print
/// them when it fails: the moments at which connections came and went are what explain a stall. Lines below
/// <c>minimumLevel</c> (Information unless given) are not kept.
/// </summary>
public sealed class LineLoggerProvider(ConcurrentQueue<string> lines, string source, int capacity = 5000, LogLevel minimumLevel = LogLevel.Information) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(lines, $"{source} {categoryName}", capacity, minimumLevel);

    public void Dispose()
    {
    }

    private sealed class LineLogger(ConcurrentQueue<string> lines, string prefix, int capacity, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && lines.Count < capacity)
            {
                lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {prefix}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
            }
        }
    }
}
