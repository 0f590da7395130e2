namespace EdgeFL.Messaging;

/// <summary>What a publisher should do with a message, as a local consumer answers it (see <see cref="ConsumerVerdict"/>).</summary>
public enum ConsumerAnswer
{
    /// <summary>Taken (or taken before): drop it. PUBACK 0x00 Success.</summary>
    Taken,

    /// <summary>Not taken now (no round open yet, the state's disk full): keep it and send it again later. PUBACK 0x80 Unspecified error.</summary>
    Keep,

    /// <summary>Refused for good (wrong or stale round, invalid, a duplicate round): drop it. PUBACK 0x83 Implementation specific error.</summary>
    Refused,

    /// <summary>Not a valid message: drop it. PUBACK 0x99 Payload format invalid.</summary>
    Malformed,
}
