using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace EdgeFL.Messaging.Retry;

/// <summary>
/// The one retry policy of EdgeFL, for every retry outside the MQTT reconnect loop (which keeps its own,
/// <see cref="MqttConnection"/>): a Polly pipeline retrying the exceptions a call site names with
/// exponential backoff and jitter, capped, until the operation succeeds, the attempts run out or the
/// token is cancelled; each failed attempt is logged with the delay before the next.
/// </summary>
public static class RetryPolicy
{
    /// <summary>Failures of a publish that a later attempt can cure: no connection, or a broker that refused it.</summary>
    public static bool IsTransientPublishFailure(Exception exception) =>
        exception is MqttNotConnectedException or MqttPublishRejectedException;

    /// <summary>
    /// A pipeline that runs an operation and retries it when it throws an exception for which
    /// <paramref name="retryOn"/> is true (default <see cref="IsTransientPublishFailure"/>); any other
    /// exception, and the cancellation of the token, end it at once. <paramref name="maxRetries"/>
    /// (default: no limit) bounds the retries after the first attempt.
    /// </summary>
    public static ResiliencePipeline Create(
        RetryOptions options,
        ILogger logger,
        string operation,
        Func<Exception, bool>? retryOn = null,
        int maxRetries = int.MaxValue,
        TimeProvider? time = null) => Create(options, logger, operation, retryOn, maxRetries, time, randomizer: null);

    /// <summary>As the public overload, with the jitter's random numbers from <paramref name="randomizer"/> (tests).</summary>
    internal static ResiliencePipeline Create(
        RetryOptions options,
        ILogger logger,
        string operation,
        Func<Exception, bool>? retryOn,
        int maxRetries,
        TimeProvider? time,
        Func<double>? randomizer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var retryable = retryOn ?? IsTransientPublishFailure;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System };
        return builder.AddRetry(new RetryStrategyOptions
        {
            // An OperationCanceledException ends it only when the caller's token asked for it: one from inside a
            // client (a publish timing out as the connection drops) is a failure like any other.
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex
                && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)
                && retryable(ex)),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.FirstDelay,
            MaxDelay = options.MaxDelay,
            MaxRetryAttempts = maxRetries,
            Randomizer = randomizer ?? Random.Shared.NextDouble,
            OnRetry = args =>
            {
                RetryLog.Retrying(logger, operation, args.AttemptNumber + 1, args.Outcome.Exception?.Message ?? "no result", args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
