using System.Buffers;

namespace EdgeFL.Messaging;

/// <summary>
/// A received message. From a subscription (<see cref="MqttConnection"/>) the payload buffer belongs to
/// this message only; from <see cref="EmbeddedBroker.AddLocalConsumer(string, Action{InboundMessage})"/> it is the broker's, lent for the
/// duration of the call only.
/// </summary>
public readonly record struct InboundMessage(string Topic, ReadOnlySequence<byte> Payload, bool Retain);
