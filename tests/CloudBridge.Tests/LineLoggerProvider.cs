using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>
/// Keeps an in-process host's log lines (time-stamped, at most <c>capacity</c>) so that a test can print
/// them when it fails: the moments at which connections came and went are what explain a stall.
/// </summary>
internal sealed class LineLoggerProvider(ConcurrentQueue<string> lines, string source, int capacity = 5000) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(lines, $"{source} {categoryName}", capacity);

    public void Dispose()
    {
    }

    private sealed class LineLogger(ConcurrentQueue<string> lines, string prefix, int capacity) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && lines.Count < capacity)
            {
                lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {prefix}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
            }
        }
    }
}
