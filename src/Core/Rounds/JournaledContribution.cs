namespace EdgeFL.Core.Rounds;

/// <summary>A journaled payload read back at start, to be replayed into its round.</summary>
/// <param name="Round">The round it was admitted to.</param>
/// <param name="SenderId">Its sender (the topic's id when it arrived).</param>
/// <param name="Payload">The payload as it arrived.</param>
public sealed record JournaledContribution(long Round, string SenderId, byte[] Payload);
