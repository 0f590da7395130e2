namespace EdgeFL.Messaging;

/// <summary>Thrown when the broker answers a QoS 1 publish with an error reason code.</summary>
public sealed class MqttPublishRejectedException(string topic, string reasonCode, string? reason)
    : Exception($"broker rejected publish to '{topic}': {reasonCode}{(string.IsNullOrEmpty(reason) ? "" : " (" + reason + ")")}")
{
    /// <summary>The broker's reason code.</summary>
    public string ReasonCode { get; } = reasonCode;

    /// <summary>The broker's reason string (why), if it sent one.</summary>
    public string Reason { get; } = reason ?? "";

    /// <summary>
    /// True when the broker could not take the message now but may later (reason code 0x80 Unspecified
    /// error: an EdgeFL gateway's "keep it and send it again"); false when it refused it for good.
    /// </summary>
    public bool ShouldKeep => ReasonCode == nameof(MQTTnet.Protocol.MqttPubAckReasonCode.UnspecifiedError);
}
