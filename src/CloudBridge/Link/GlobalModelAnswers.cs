using System.Buffers;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge.Link;

/// <summary>
/// The cloud's answers to gateways' global model requests (<c>{prefix}/cloud/global-requests/{gw}</c>): the
/// current global model, signed, on <c>{prefix}/cloud/models/{gw}</c> (QoS 1, not retained), unless the
/// gateway said it holds that round already. Requests wait in a queue for the sender loop (never answered from
/// the receive handler); a gateway's requests that arrive while one of its answers is pending are one answer.
/// </summary>
internal sealed class GlobalModelAnswers(TopicScheme topics, Func<ModelMessage?> current, ModelSigner signer, long maxPayloadBytes, ILogger logger)
{
    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Dictionary<string, long> _pending = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private (long Round, byte[] Payload)? _encoded;
    private long _answered;

    /// <summary>Answers published so far.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>The receive handler of <see cref="TopicScheme.CloudGlobalRequestFilter"/>: queues an answer.</summary>
    public Task OnRequestAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (topics.GatewayIdFromGlobalRequest(message.Topic) is not { } gatewayId || !TopicScheme.IsValidId(gatewayId))
        {
            return Task.CompletedTask;
        }

        long held = HeldRound(message.Payload);
        lock (_lock)
        {
            if (_pending.TryGetValue(gatewayId, out long before))
            {
                _pending[gatewayId] = Math.Min(before, held);
                return Task.CompletedTask;
            }

            _pending[gatewayId] = held;
        }

        if (!_queue.Writer.TryWrite(gatewayId))
        {
            lock (_lock)
            {
                _pending.Remove(gatewayId);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Publishes the answers until <paramref name="cancellationToken"/> fires; a failed one is logged (the gateway asks again on its next connect).</summary>
    public async Task RunAsync(MqttConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (string gatewayId in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                long held;
                lock (_lock)
                {
                    held = _pending.Remove(gatewayId, out long h) ? h : -1;
                }

                if (current() is not { } global || global.Round <= held)
                {
                    continue; // nothing newer: every later global model reaches the gateway live
                }

                try
                {
                    await ChunkedPublisher.PublishAsync(connection, topics.CloudGlobalFor(gatewayId), Encode(global), MqttQos.AtLeastOnce, retain: false, maxPayloadBytes, logger, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _answered);
                    CloudLog.GlobalAnswered(logger, global.Round, gatewayId, held);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    CloudLog.GlobalAnswerNotSent(logger, gatewayId, $"{ex.GetType().Name}: {ex.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The held round a request names: ASCII decimal; empty or anything else is -1 (holds none, send it).</summary>
    internal static long HeldRound(ReadOnlySequence<byte> payload)
    {
        if (payload.IsEmpty || payload.Length > 20)
        {
            return -1;
        }

        string text = Encoding.ASCII.GetString(payload.ToArray());
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long round) && round >= -1 ? round : -1;
    }

    private byte[] Encode(ModelMessage global)
    {
        if (_encoded is { } cached && cached.Round == global.Round)
        {
            return cached.Payload;
        }

        byte[] payload = signer.Encode(global);
        _encoded = (global.Round, payload);
        return payload;
    }
}
