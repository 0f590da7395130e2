using System.Buffers;
using System.Diagnostics.Metrics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Link;

/// <summary>
/// Reassembles devices' chunked updates (docs/PROTOCOL.md 6.4) before the ordinary admission path: one
/// <see cref="ChunkAssembler"/> for the device link, within <c>Gateway:Broker:Chunking</c>'s bounds, each whole at most
/// <c>Gateway:Updates:MaxBytes</c>, its counters <c>edgefl.gateway.devices.chunks.*</c> on the gateway's meter.
/// </summary>
/// <remarks>
/// On the embedded broker every chunk gets a PUBACK: a chunk that completes its transfer gets the whole update's
/// verdict; the last chunk of a transfer still incomplete (a chunk lost or refused before it) gets 0x80, so the device
/// keeps the update and sends it again whole; a malformed chunk 0x99 and a transfer over the size limit 0x83 (dropped);
/// any other chunk 0x00. A device sends its chunks in order and waits for each PUBACK, so its last chunk is the last to arrive.
/// </remarks>
internal sealed class DeviceUpdateChunks : IDisposable
{
    /// <summary>The instruments' prefix on the gateway's meter (the cloud uplink's global-model chunks use <c>edgefl.gateway</c>).</summary>
    public const string MetricPrefix = "edgefl.gateway.devices";

    private readonly ChunkAssembler _assembler;
    private readonly long _maxUpdateBytes;

    public DeviceUpdateChunks(ChunkingOptions options, long maxUpdateBytes, ILogger logger, Meter? meter)
    {
        _maxUpdateBytes = maxUpdateBytes;
        _assembler = new ChunkAssembler(options, maxUpdateBytes, logger, meter, MetricPrefix);
    }

    /// <summary>The assembler (its counters: <see cref="ChunkAssembler.Metrics"/>).</summary>
    public ChunkAssembler Assembler => _assembler;

    /// <summary>
    /// The embedded broker's receive path: a whole update goes to <paramref name="admit"/> as it is; a chunk is taken
    /// and answered as the remarks say, its completed whole going to <paramref name="admit"/>.
    /// </summary>
    public ConsumerVerdict Take(InboundMessage message, Func<InboundMessage, ConsumerVerdict> admit)
    {
        if (!ChunkCodec.IsChunk(message.Payload))
        {
            return admit(message);
        }

        if (!ChunkCodec.TryDecode(message.Payload, out var chunk, out var error))
        {
            _ = _assembler.Take(message.Topic, message.Payload); // counted and logged there
            return new ConsumerVerdict(ConsumerAnswer.Malformed, $"Malformed: {error.Detail}");
        }

        byte[]? whole = _assembler.Take(message.Topic, chunk!);
        if (whole is not null)
        {
            return admit(new InboundMessage(message.Topic, new ReadOnlySequence<byte>(whole), Retain: false));
        }

        if (chunk!.TotalLength > _maxUpdateBytes)
        {
            return new ConsumerVerdict(ConsumerAnswer.Refused, $"TooLarge: chunked update of {chunk.TotalLength} bytes, over {_maxUpdateBytes}");
        }

        return chunk.Index == chunk.Count - 1
            ? new ConsumerVerdict(ConsumerAnswer.Keep, $"Incomplete: transfer {chunk.TransferId} lacks chunks; send the update again")
            : ConsumerVerdict.Taken();
    }

    /// <summary>An external broker's subscription handler: wholes pass as they are, chunks once their whole is in.</summary>
    public Func<InboundMessage, CancellationToken, Task> Wrap(Func<InboundMessage, CancellationToken, Task> handler) => _assembler.Wrap(handler);

    public void Dispose() => _assembler.Dispose();
}
