using Microsoft.Extensions.Logging;

namespace EdgeFL.Messaging.Chunking;

internal static partial class ChunkLog
{
    [LoggerMessage(7001, LogLevel.Debug, "Chunked transfer {TransferId} on {Topic} complete: {Bytes} bytes in {Chunks} chunks, SHA-256 verified")]
    public static partial void Completed(ILogger logger, string transferId, string topic, long bytes, int chunks);

    [LoggerMessage(7002, LogLevel.Warning, "Chunk on {Topic} dropped: {Reason} ({Detail}) ({Suppressed} more not logged)")]
    public static partial void ChunkRejected(ILogger logger, string topic, ChunkRejection reason, string detail, long suppressed);

    [LoggerMessage(7003, LogLevel.Warning, "Chunked transfer {TransferId} on {Topic} dropped: {Reason} ({Received} of {Chunks} chunks received) ({Suppressed} more not logged)")]
    public static partial void TransferFailed(ILogger logger, string transferId, string topic, TransferFailure reason, int received, int chunks, long suppressed);

    [LoggerMessage(7004, LogLevel.Debug, "Sending {Bytes} bytes to {Topic} as transfer {TransferId} in {Chunks} chunks (over {MaxPayloadBytes}-byte payloads)")]
    public static partial void Sending(ILogger logger, string topic, long bytes, string transferId, int chunks, long maxPayloadBytes);
}
