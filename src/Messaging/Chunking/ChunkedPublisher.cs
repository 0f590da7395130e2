using EdgeFL.Core.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Messaging.Chunking;

/// <summary>Publishes a message whole when it fits the broker's maximum payload, else as chunk messages on the same topic (docs/PROTOCOL.md 6.4).</summary>
public static class ChunkedPublisher
{
    /// <summary>
    /// Publishes <paramref name="payload"/> on <paramref name="topic"/>: whole when <paramref name="maxPayloadBytes"/> is 0
    /// or the payload fits it, else as chunk messages of at most that size, in order, each with <paramref name="qos"/>
    /// and never retained (a retained chunk would replace the previous one). Returns the messages published. A failure
    /// part way leaves a partial transfer the receiver times out; the caller sends the whole again (a new transfer).
    /// </summary>
    public static async Task<int> PublishAsync(MqttConnection connection, string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, long maxPayloadBytes, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (maxPayloadBytes <= 0 || payload.Length <= maxPayloadBytes)
        {
            await connection.PublishAsync(topic, payload, qos, retain, cancellationToken).ConfigureAwait(false);
            return 1;
        }

        string transferId = ChunkCodec.NewTransferId();
        int chunkSize = ChunkCodec.ChunkSizeFor(maxPayloadBytes);
        ChunkLog.Sending(logger, topic, payload.Length, transferId, (int)((payload.Length + (long)chunkSize - 1) / chunkSize), maxPayloadBytes);
        int sent = 0;
        foreach (byte[] chunk in ChunkCodec.Split(payload, maxPayloadBytes, transferId))
        {
            await connection.PublishAsync(topic, chunk, qos, retain: false, cancellationToken).ConfigureAwait(false);
            sent++;
        }

        return sent;
    }
}
