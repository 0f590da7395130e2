namespace EdgeFL.Messaging;

/// <summary>MQTT quality-of-service levels used by EdgeFL.</summary>
public enum MqttQos
{
    /// <summary>Fire and forget.</summary>
    AtMostOnce = 0,

    /// <summary>Acknowledged by the broker (PUBACK); may arrive twice.</summary>
    AtLeastOnce = 1,
}
