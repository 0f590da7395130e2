using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Link;

/// <summary>Logs of chunked transfer on the device link (docs/OPERATIONS.md, event ids 7501-7549).</summary>
internal static partial class DeviceLinkLog
{
    [LoggerMessage(7501, LogLevel.Information, "{GatewayId}: {DeviceId} came online; publishing the model of round {Round} ({Bytes} bytes) again in chunks, as chunked models are not retained")]
    public static partial void ReplayingModel(ILogger logger, string gatewayId, long round, string deviceId, long bytes);

    [LoggerMessage(7503, LogLevel.Information, "{GatewayId}: reconnected to its device broker; publishing the model of round {Round} ({Bytes} bytes) again in chunks for devices that came back meanwhile")]
    public static partial void ReplayingModelAfterReconnect(ILogger logger, string gatewayId, long round, long bytes);

    [LoggerMessage(7502, LogLevel.Warning, "{GatewayId}: could not publish the current model again for {DeviceId}, who came online: {Error} (the next device to come online, or the next round, publishes it)")]
    public static partial void ReplayFailed(ILogger logger, string gatewayId, string deviceId, string error);
}
