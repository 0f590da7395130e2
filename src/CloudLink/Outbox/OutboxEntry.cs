namespace EdgeFL.CloudLink.Outbox;

/// <summary>A message waiting in the outbox, oldest first by <see cref="Id"/>.</summary>
public sealed record OutboxEntry(long Id, string Topic, byte[] Payload, string? CoalesceKey, int Attempts);
