namespace EdgeFL.CloudLink.Outbox;

/// <summary>What <see cref="DurableOutbox.Enqueue(string, byte[], string?)"/> did.</summary>
/// <param name="Queued">False when the message alone is larger than the outbox may hold.</param>
/// <param name="Superseded">Older queued messages with the same coalescing key it replaced.</param>
/// <param name="DroppedOldest">Older messages dropped to make room.</param>
public readonly record struct EnqueueOutcome(bool Queued, int Superseded, int DroppedOldest);
