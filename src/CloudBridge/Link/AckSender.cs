using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge.Link;

/// <summary>
/// Publishes each acknowledgement to its gateway (QoS 1), up to <see cref="MaxInFlight"/> at once: one at a time,
/// each waiting for the broker's PUBACK, a sync of 1,000 gateways ended with hundreds of acknowledgements still
/// queued after the global model was out. One that cannot be sent (the broker is down) is dropped: the gateway
/// sends the upload again, and it is acknowledged as a duplicate. Acknowledgements of different gateways need no
/// order; each gateway has one upload acknowledged per sync. With the embedded broker they are published into it
/// directly (<see cref="EmbeddedBroker.PublishLocalAsync"/>: no client round trip, half the broker's work per ack),
/// else through the aggregator's client.
/// </summary>
internal sealed class AckSender(Func<string, byte[], CancellationToken, Task> publish, TopicScheme topics, ILogger logger)
{
    /// <summary>Acknowledgements through the aggregator's client connection (QoS 1).</summary>
    public static Func<string, byte[], CancellationToken, Task> Through(MqttConnection connection) =>
        (topic, payload, ct) => connection.PublishAsync(topic, payload, MqttQos.AtLeastOnce, retain: false, ct);

    /// <summary>Acknowledgements published by the embedded broker itself (QoS 1).</summary>
    public static Func<string, byte[], CancellationToken, Task> Through(EmbeddedBroker broker) =>
        (topic, payload, ct) => broker.PublishLocalAsync(topic, payload, MqttQos.AtLeastOnce, ct);

    /// <summary>QoS 1 acknowledgements outstanding at once (well under MQTT's 65,535 packet ids and a broker's receive maximum).</summary>
    public const int MaxInFlight = 64;

    /// <summary>Sends what <paramref name="acks"/> yields until it completes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(ChannelReader<UploadAck> acks, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        try
        {
            await foreach (var ack in acks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                _ = SendAsync(ack, slots, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        // The sends still out end before the semaphore is disposed.
        for (int i = 0; i < MaxInFlight; i++)
        {
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(UploadAck ack, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await publish(topics.CloudAck(ack.GatewayId), WireCodec.Encode(ack), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever failed, sending goes on: a sender that died would leave every gateway
            // resending its upload for ever, each applied once and never acknowledged.
            CloudLog.AckNotSent(logger, ack.UploadId, ack.GatewayId, $"{ex.GetType().Name}: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            slots.Release();
        }
    }
}
