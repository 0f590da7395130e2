namespace EdgeFL.Messaging;

/// <summary>An MQTT last-will message.</summary>
public sealed record LastWill(string Topic, byte[] Payload, bool Retain, MqttQos Qos = MqttQos.AtLeastOnce);
