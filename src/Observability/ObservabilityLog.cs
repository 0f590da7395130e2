using Microsoft.Extensions.Logging;

namespace EdgeFL.Observability;

/// <summary>The observability listener's log events (60xx; docs/OPERATIONS.md).</summary>
internal static partial class ObservabilityLog
{
    [LoggerMessage(6001, LogLevel.Information, "Observability listener on {Url}: /metrics, /health/live, /health/ready{Dashboard}")]
    public static partial void Listening(ILogger logger, string url, string dashboard);

    [LoggerMessage(6002, LogLevel.Error, "Observability listener could not listen on {Url}: {Error}")]
    public static partial void ListenFailed(ILogger logger, string url, string error);

    [LoggerMessage(6003, LogLevel.Warning, "Observability request {Path} failed: {Error}")]
    public static partial void RequestFailed(ILogger logger, string path, string error);

    [LoggerMessage(6004, LogLevel.Debug, "Observability request {Path} refused: no valid token from {Remote}")]
    public static partial void Unauthorized(ILogger logger, string path, string remote);
}
