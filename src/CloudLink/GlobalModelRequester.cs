using System.Globalization;
using System.Text;
using EdgeFL.Core.Topics;
using EdgeFL.Messaging;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudLink;

/// <summary>
/// Asks the cloud for its current global model (<c>{prefix}/cloud/global-requests/{gw}</c>, QoS 1), on every
/// connect of the uplink; the cloud answers on <c>{prefix}/cloud/models/{gw}</c>. This, not the retained global
/// model, is what brings a gateway that connects or reconnects up to date: brokers may keep no retained
/// messages (Azure IoT Hub) or keep them per node (a RabbitMQ cluster).
/// </summary>
internal sealed class GlobalModelRequester(MqttConnection connection, TopicScheme topics, string gatewayId, Func<long?> heldRound, ILogger logger)
{
    private long _sent;

    /// <summary>Requests sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>The request's payload: the round of the global model held (ASCII decimal), or empty for none; the cloud answers only with a newer one.</summary>
    public static byte[] Payload(long? round) => round is { } r ? Encoding.ASCII.GetBytes(r.ToString(CultureInfo.InvariantCulture)) : [];

    /// <summary>Sends one request; a failure is logged, not thrown (the next connect asks again, and every new global model is published live).</summary>
    public async Task RequestAsync(CancellationToken cancellationToken)
    {
        long? held = heldRound();
        try
        {
            await connection.PublishAsync(topics.CloudGlobalRequest(gatewayId), Payload(held), MqttQos.AtLeastOnce, retain: false, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _sent);
            CloudLinkLog.GlobalRequested(logger, gatewayId, held ?? -1);
        }
        catch (Exception ex) when (ex is MqttNotConnectedException or MqttPublishRejectedException)
        {
            CloudLinkLog.GlobalRequestFailed(logger, gatewayId, ex.Message);
        }
    }
}
