using System.Buffers;

namespace EdgeFL.Messaging;

/// <summary>A message received on a subscription. The payload buffer belongs to this message only.</summary>
public readonly record struct InboundMessage(string Topic, ReadOnlySequence<byte> Payload, bool Retain);
