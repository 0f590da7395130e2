using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Tests.Shared.Logging;

/// <summary>One Error or Critical line an in-process service logged.</summary>
public sealed record LoggedError(string Source, string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
{
    public override string ToString() =>
        $"{Level} {Source} {Category} [{EventId.Id}{(EventId.Name is null ? "" : " " + EventId.Name)}]: {Message}{(Exception is null ? "" : $" ({Exception.GetType().Name}: {Exception.Message})")}";
}

/// <summary>
/// Fails a test when a service it hosts in process logs an error the test did not expect. Give each host
/// a provider (<see cref="For"/>); declare the errors the test causes on purpose (<see cref="Expect(int[])"/>
/// by event id, <see cref="Expect(Func{LoggedError, bool})"/> by a predicate); dispose it at the end of the
/// test, after the hosts: an Error or Critical line nobody declared fails the test with every such line.
/// An expected error need not happen (an outage may or may not make a retry fail).
/// </summary>
public sealed class ErrorLog : IDisposable
{
    /// <summary>Microsoft.Extensions.Hosting's event: a hosted service failed to start (a host refusing bad options logs it).</summary>
    public const int HostFailedToStart = 11;

    /// <summary>Microsoft.Extensions.Hosting's event: a background service threw (a service stopping on a fatal error logs it).</summary>
    public const int BackgroundServiceFaulted = 9;

    /// <summary>Microsoft.Extensions.Hosting's event: the host stops because a background service threw (logged with <see cref="BackgroundServiceFaulted"/>).</summary>
    public const int HostStoppedByFault = 10;

    private readonly ConcurrentQueue<LoggedError> _errors = new();
    private readonly ConcurrentQueue<Func<LoggedError, bool>> _expected = new();
    private bool _disposed;

    /// <summary>Every Error and Critical line logged so far, expected or not.</summary>
    public IReadOnlyList<LoggedError> Errors => _errors.ToArray();

    /// <summary>A logger provider for a host, naming it <paramref name="source"/> in the report.</summary>
    public ILoggerProvider For(string source) => new Provider(this, source);

    /// <summary>A logger for code built without a host (a component given an <see cref="ILogger"/>).</summary>
    public ILogger Logger(string source, string category = "") => new Recorder(this, source, category);

    /// <summary>Declares the errors with these event ids expected.</summary>
    public ErrorLog Expect(params int[] eventIds)
    {
        _expected.Enqueue(e => eventIds.Contains(e.EventId.Id));
        return this;
    }

    /// <summary>Declares the errors <paramref name="match"/> holds for expected.</summary>
    public ErrorLog Expect(Func<LoggedError, bool> match)
    {
        _expected.Enqueue(match);
        return this;
    }

    /// <summary>The lines logged so far that no declaration matches.</summary>
    public IReadOnlyList<LoggedError> Unexpected() => _errors.Where(e => !_expected.Any(m => m(e))).ToArray();

    /// <summary>Fails the test when an unexpected error was logged (once).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var unexpected = Unexpected();
        if (unexpected.Count > 0)
        {
            Assert.Fail($"{unexpected.Count} error(s) logged that the test did not expect (declare one it causes on purpose with ErrorLog.Expect):\n  " +
                string.Join("\n  ", unexpected));
        }
    }

    private sealed class Provider(ErrorLog log, string source) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(log, source, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Recorder(ErrorLog log, string source, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is LogLevel.Error or LogLevel.Critical;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log._errors.Enqueue(new LoggedError(source, category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}
