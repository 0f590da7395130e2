using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge.Region;

internal static partial class RegionLog
{
    [LoggerMessage(7201, LogLevel.Information, "Region {RegionId}: sync round {Round} averaged ({Samples} samples); upload {UploadId} queued for the tier above")]
    public static partial void UploadQueued(ILogger logger, string regionId, long round, long samples, string uploadId);

    [LoggerMessage(7202, LogLevel.Error, "Region {RegionId}: upload {UploadId} ({Bytes} bytes) is larger than the outbox may hold (512 MiB); the tier above does not get this round")]
    public static partial void UploadTooLarge(ILogger logger, string regionId, string uploadId, long bytes);

    [LoggerMessage(7203, LogLevel.Information, "Region {RegionId}: took the global model of round {Round} from the tier above ({Samples} samples); publishing it to its gateways")]
    public static partial void UpperAdopted(ILogger logger, string regionId, long round, long samples);

    [LoggerMessage(7204, LogLevel.Error, "Region {RegionId}: refused the global model of round {Round} from the tier above: {Reason}")]
    public static partial void UpperRefused(ILogger logger, string regionId, long round, string reason);

    [LoggerMessage(7205, LogLevel.Information, "Region {RegionId} uploads to {Host}:{Port} and takes global models signed by {PublicKeyPath}")]
    public static partial void Started(ILogger logger, string regionId, string host, int port, string publicKeyPath);
}
