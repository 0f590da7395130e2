namespace EdgeFL.Messaging;

/// <summary>
/// What a local consumer of the embedded broker (<see cref="EmbeddedBroker.AddLocalConsumer(string, Func{InboundMessage, ConsumerVerdict}, bool)"/>)
/// tells the publisher in its MQTT 5 PUBACK: the reason code says what to do with the message, the
/// reason string why (docs/PROTOCOL.md, "PUBACK reason codes").
/// </summary>
/// <param name="Answer">Taken, keep and send again later, or refused for good.</param>
/// <param name="Reason">A short reason string (<c>"{Outcome}: {detail}"</c>), at most a few hundred characters.</param>
public readonly record struct ConsumerVerdict(ConsumerAnswer Answer, string Reason)
{
    /// <summary>Taken (reason code 0x00 Success).</summary>
    public static ConsumerVerdict Taken(string reason = "") => new(ConsumerAnswer.Taken, reason);

    /// <summary>The PUBACK reason code of this verdict (MQTT 5).</summary>
    public MQTTnet.Protocol.MqttPubAckReasonCode ReasonCode => Answer switch
    {
        ConsumerAnswer.Taken => MQTTnet.Protocol.MqttPubAckReasonCode.Success,
        ConsumerAnswer.Keep => MQTTnet.Protocol.MqttPubAckReasonCode.UnspecifiedError,
        ConsumerAnswer.Malformed => MQTTnet.Protocol.MqttPubAckReasonCode.PayloadFormatInvalid,
        _ => MQTTnet.Protocol.MqttPubAckReasonCode.ImplementationSpecificError,
    };
}
