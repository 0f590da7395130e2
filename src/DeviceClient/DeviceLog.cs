using Microsoft.Extensions.Logging;

namespace EdgeFL.DeviceClient;

internal static partial class DeviceLog
{
    [LoggerMessage(4001, LogLevel.Information, "{DeviceId}: trained round {Round}: {Samples} samples, loss {Loss:F4}, {Seconds:F1} s, {EnergyMah:F2} mAh, battery {Battery:P0}")]
    public static partial void Trained(ILogger logger, string deviceId, long round, long samples, double loss, double seconds, double energyMah, double battery);

    [LoggerMessage(4002, LogLevel.Information, "{DeviceId}: declines round {Round}: {Reason}")]
    public static partial void Declining(ILogger logger, string deviceId, long round, string reason);

    [LoggerMessage(4003, LogLevel.Information, "{DeviceId}: offline, buffered the update of round {Round} ({Buffered} waiting)")]
    public static partial void Buffered(ILogger logger, string deviceId, long round, int buffered);

    [LoggerMessage(4004, LogLevel.Information, "{DeviceId}: sent buffered update of round {Round}")]
    public static partial void FlushedBuffered(ILogger logger, string deviceId, long round);

    [LoggerMessage(4005, LogLevel.Warning, "{DeviceId}: rejected a model message: {Error}")]
    public static partial void BadModel(ILogger logger, string deviceId, string error);

    [LoggerMessage(4008, LogLevel.Error, "{DeviceId}: dropped {Count} buffered update(s) that the state file no longer holds intact")]
    public static partial void BufferDamaged(ILogger logger, string deviceId, int count);

    [LoggerMessage(4006, LogLevel.Error, "{DeviceId}: training round {Round} failed")]
    public static partial void TrainingFailed(ILogger logger, string deviceId, long round, Exception exception);

    [LoggerMessage(4007, LogLevel.Warning, "{DeviceId}: {Suppressed} more models were rejected for {Reason} and not logged (at most 5 lines a minute per reason)")]
    public static partial void ModelRejectionsSuppressed(ILogger logger, string deviceId, long suppressed, string reason);

    [LoggerMessage(4009, LogLevel.Warning, "{DeviceId}: the gateway refused the update for round {Round} for good ({ReasonCode}: {Reason}); dropped")]
    public static partial void UpdateRefused(ILogger logger, string deviceId, long round, string reasonCode, string reason);

    [LoggerMessage(4010, LogLevel.Information, "{DeviceId}: the gateway cannot take an update yet ({Reason}); kept, sent again later")]
    public static partial void UpdateKept(ILogger logger, string deviceId, string reason);

    [LoggerMessage(4101, LogLevel.Information, "training backend {Backend} ({Requested}: {Reason}), {Threads} thread(s), model {Model}")]
    public static partial void TrainingBackend(ILogger logger, string backend, string requested, string reason, int threads, string model);
}
