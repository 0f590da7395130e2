using Microsoft.Extensions.Logging;

namespace EdgeFL.Messaging.Retry;

internal static partial class RetryLog
{
    [LoggerMessage(1151, LogLevel.Warning, "{Operation} failed (attempt {Attempt}): {Error}; trying again in {Delay}")]
    public static partial void Retrying(ILogger logger, string operation, int attempt, string error, TimeSpan delay);
}
