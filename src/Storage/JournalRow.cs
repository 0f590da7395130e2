namespace EdgeFL.Storage;

/// <summary>One row of a <see cref="Journal"/>, as read back.</summary>
/// <param name="Seq">Its position: rows are read in the order they were appended.</param>
/// <param name="Round">The round it belongs to.</param>
/// <param name="Sender">Who sent the payload (device or gateway id; empty when the store's own).</param>
/// <param name="Id">Its id, unique within its round.</param>
/// <param name="Payload">The payload as written.</param>
public sealed record JournalRow(long Seq, long Round, string Sender, string Id, byte[] Payload);
