namespace EdgeFL.Messaging;

/// <summary>Thrown when the broker answers a QoS 1 publish with an error reason code.</summary>
public sealed class MqttPublishRejectedException(string topic, string reasonCode, string? reason)
    : Exception($"broker rejected publish to '{topic}': {reasonCode}{(string.IsNullOrEmpty(reason) ? "" : " (" + reason + ")")}")
{
    /// <summary>The broker's reason code.</summary>
    public string ReasonCode { get; } = reasonCode;
}
