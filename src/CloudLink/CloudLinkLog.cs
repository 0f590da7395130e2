using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudLink;

internal static partial class CloudLinkLog
{
    [LoggerMessage(3001, LogLevel.Information, "Uploaded {UploadId} (round {Round}, {Samples} samples, {Bytes} bytes) to the cloud")]
    public static partial void Uploaded(ILogger logger, string uploadId, long round, long samples, int bytes);

    [LoggerMessage(3002, LogLevel.Information, "Global model of round {Round} received ({Samples} samples)")]
    public static partial void GlobalReceived(ILogger logger, long round, long samples);

    [LoggerMessage(3003, LogLevel.Warning, "Global model rejected: {Reason}")]
    public static partial void GlobalRejected(ILogger logger, string reason);

    [LoggerMessage(3004, LogLevel.Warning, "{Suppressed} more global models were rejected for {Reason} and not logged (at most 5 lines a minute per reason)")]
    public static partial void GlobalRejectionsSuppressed(ILogger logger, long suppressed, string reason);

    [LoggerMessage(7111, LogLevel.Information, "{GatewayId} asked the cloud for its global model (holding round {Round}; -1: none)")]
    public static partial void GlobalRequested(ILogger logger, string gatewayId, long round);

    [LoggerMessage(7112, LogLevel.Warning, "{GatewayId} could not ask the cloud for its global model: {Error} (asked again on the next connect)")]
    public static partial void GlobalRequestFailed(ILogger logger, string gatewayId, string error);
}
