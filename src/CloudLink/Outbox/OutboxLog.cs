using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudLink.Outbox;

internal static partial class OutboxLog
{
    [LoggerMessage(3201, LogLevel.Error, "Outbox refused a {Bytes}-byte message for {Topic}: larger than Gateway:Outbox:MaxBytes ({Limit})")]
    public static partial void TooLarge(ILogger logger, string topic, long bytes, long limit);

    [LoggerMessage(3202, LogLevel.Information, "Outbox: a newer message for {Key} superseded {Count} queued one(s)")]
    public static partial void Superseded(ILogger logger, string key, int count);

    [LoggerMessage(3203, LogLevel.Warning, "Outbox full: dropped the {Count} oldest message(s) (limits {MaxMessages} messages, {MaxBytes} bytes)")]
    public static partial void DroppedOldest(ILogger logger, int count, int maxMessages, long maxBytes);

    [LoggerMessage(3204, LogLevel.Error, "Outbox: message {Id} refused {Attempts} times, moved to the dead-letter table: {Error}")]
    public static partial void DeadLettered(ILogger logger, long id, int attempts, string error);

    [LoggerMessage(3207, LogLevel.Error, "Outbox: message {Id} is unreadable (values of the wrong type in the state file) and was removed")]
    public static partial void Unreadable(ILogger logger, long id);

    [LoggerMessage(3205, LogLevel.Information, "Outbox: {Count} message(s) waiting ({Bytes} bytes), cloud link {State}")]
    public static partial void Depth(ILogger logger, int count, long bytes, string state);

    [LoggerMessage(3206, LogLevel.Information, "Outbox: delivered message {Id} to {Topic} ({Bytes} bytes)")]
    public static partial void Delivered(ILogger logger, long id, string topic, int bytes);

    [LoggerMessage(3208, LogLevel.Error, "Outbox: message {Id} was refused for good by its receiver ({Reason}) and moved to the dead-letter table")]
    public static partial void RefusedForGood(ILogger logger, long id, string reason);

    [LoggerMessage(3209, LogLevel.Information, "Outbox: no acknowledgement of message {Id} (upload {UploadId}) from the cloud within {Timeout} or across a reconnect; sending it again")]
    public static partial void Resending(ILogger logger, long id, string uploadId, TimeSpan timeout);
}
