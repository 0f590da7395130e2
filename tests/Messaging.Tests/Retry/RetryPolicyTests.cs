using EdgeFL.Messaging.Retry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeFL.Messaging.Tests.Retry;

public sealed class RetryPolicyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly RetryOptions _options = new() { FirstDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(2) };
    private readonly SignallingTime _time = new();
    private readonly RecordingLogger _log = new();

    [Fact]
    public async Task TransientFailures_AreRetried_UntilSuccess_WithGrowingDelaysUpToTheCap()
    {
        int attempts = 0;
        var pipeline = RetryPolicy.Create(_options, _log, "publish", null, int.MaxValue, _time, randomizer: () => 0.5);
        var run = pipeline.ExecuteAsync(_ => ++attempts <= 10 ? throw new MqttNotConnectedException("c") : ValueTask.CompletedTask, CancellationToken.None).AsTask();
        await ElapseRetriesAsync(run);

        Assert.Equal(11, attempts);
        var delays = _log.Delays;
        Assert.Equal(10, delays.Count);
        Assert.Equal(Enumerable.Range(1, 10), _log.Attempts);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromTicks(1), _options.MaxDelay));
        Assert.True(delays[0] < TimeSpan.FromMilliseconds(400), $"first delay {delays[0]}");
        Assert.Equal(_options.MaxDelay, delays[^1]);
        Assert.True(delays[3] > delays[0] * 2, $"delays {string.Join(", ", delays)} grow");
    }

    [Fact]
    public async Task ANonRetryableException_PassesThrough_AtOnce()
    {
        int attempts = 0;
        var pipeline = RetryPolicy.Create(_options, _log, "publish", time: _time);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.ExecuteAsync(_ => { attempts++; throw new InvalidOperationException("bug"); }, CancellationToken.None).AsTask());
        Assert.Equal(1, attempts);
        Assert.Empty(_log.Delays);
    }

    [Fact]
    public async Task Cancellation_EndsTheRetries()
    {
        int attempts = 0;
        using var cts = new CancellationTokenSource();
        var pipeline = RetryPolicy.Create(_options, _log, "publish", time: _time);
        var run = pipeline.ExecuteAsync(_ => { attempts++; throw new MqttPublishRejectedException("t", "QuotaExceeded", "full"); }, cts.Token).AsTask();
        await _time.TimerCreated.WaitAsync(Timeout);
        _time.Advance(_options.MaxDelay);
        await _time.TimerCreated.WaitAsync(Timeout);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task MaxRetries_BoundsTheAttempts_ThenTheLastFailureIsThrown()
    {
        int attempts = 0;
        var pipeline = RetryPolicy.Create(_options, _log, "ack", maxRetries: 2, time: _time);
        var run = pipeline.ExecuteAsync(_ => { attempts++; throw new MqttNotConnectedException("c"); }, CancellationToken.None).AsTask();
        await ElapseRetriesAsync(run);

        await Assert.ThrowsAsync<MqttNotConnectedException>(() => run);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task RetryOn_ChoosesWhatIsRetried()
    {
        int attempts = 0;
        var pipeline = RetryPolicy.Create(_options, _log, "send", retryOn: ex => ex is IOException, time: _time);
        var run = pipeline.ExecuteAsync(_ => ++attempts == 1 ? throw new IOException("disk") : ValueTask.CompletedTask, CancellationToken.None).AsTask();
        await ElapseRetriesAsync(run);

        Assert.Equal(2, attempts);
        Assert.Contains("send failed (attempt 1): disk", Assert.Single(_log.Messages), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00", "00:00:10", "Gateway:Retry:FirstDelay")]
    [InlineData("-00:00:01", "00:00:10", "Gateway:Retry:FirstDelay")]
    [InlineData("00:00:05", "00:00:01", "Gateway:Retry:MaxDelay")]
    [InlineData("00:00:01", "2.00:00:00", "Gateway:Retry:MaxDelay")]
    public void Validator_RefusesABadValue_NamingTheKey(string first, string max, string key)
    {
        var options = new RetryOptions { FirstDelay = TimeSpan.Parse(first, System.Globalization.CultureInfo.InvariantCulture), MaxDelay = TimeSpan.Parse(max, System.Globalization.CultureInfo.InvariantCulture) };
        var result = new RetryOptionsValidator().Validate("Gateway:Retry", options);
        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new RetryOptionsValidator().Validate("Gateway:Retry", new RetryOptions()).Succeeded);
    }

    /// <summary>Lets every backoff delay of <paramref name="run"/> elapse at once, until it ends.</summary>
    private async Task ElapseRetriesAsync(Task run)
    {
        while (!run.IsCompleted)
        {
            if (await Task.WhenAny(run, _time.TimerCreated.WaitAsync(Timeout)).WaitAsync(Timeout) != run)
            {
                _time.Advance(_options.MaxDelay);
            }
        }
    }

    /// <summary>A fake clock that says when a timer (a backoff delay) was started.</summary>
    private sealed class SignallingTime : FakeTimeProvider
    {
        public SemaphoreSlim TimerCreated { get; } = new(0);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimerCreated.Release();
            return timer;
        }
    }

    /// <summary>Keeps each retry's log entry: its attempt, delay and message.</summary>
    private sealed class RecordingLogger : ILogger
    {
        private readonly List<(int Attempt, TimeSpan Delay, string Message)> _entries = [];

        public List<TimeSpan> Delays { get { lock (_entries) { return [.. _entries.Select(e => e.Delay)]; } } }

        public List<int> Attempts { get { lock (_entries) { return [.. _entries.Select(e => e.Attempt)]; } } }

        public List<string> Messages { get { lock (_entries) { return [.. _entries.Select(e => e.Message)]; } } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = (IReadOnlyList<KeyValuePair<string, object?>>)state!;
            lock (_entries)
            {
                _entries.Add(((int)values.First(v => v.Key == "Attempt").Value!, (TimeSpan)values.First(v => v.Key == "Delay").Value!, formatter(state, exception)));
            }
        }
    }
}
