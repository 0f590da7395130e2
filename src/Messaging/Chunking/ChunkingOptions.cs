namespace EdgeFL.Messaging.Chunking;

/// <summary>
/// Chunked transfer of messages larger than a broker takes (docs/PROTOCOL.md 6.4): the sender's threshold and the
/// receiver's bounds. Bound at <c>Gateway:Cloud:Chunking</c>, <c>Cloud:Chunking</c>, <c>Gateway:Broker:Chunking</c> and <c>Device:Chunking</c>.
/// </summary>
public sealed class ChunkingOptions
{
    /// <summary>Smallest non-zero <see cref="MaxPayloadBytes"/>.</summary>
    public const long MinPayloadBytes = 4096;

    /// <summary>Largest <see cref="MaxPayloadBytes"/> (MQTT's own packet limit is 256 MiB).</summary>
    public const long MaxPayloadLimit = 256L * 1024 * 1024;

    /// <summary>
    /// Messages this service sends with a payload over this many bytes travel as chunk messages of at most this
    /// many bytes each; 0 (default) sends every message whole. Set it a little under the broker's maximum
    /// packet (mosquitto's <c>max_packet_size</c>, AWS IoT Core's 128 KB): the topic and MQTT's header come on top.
    /// Receiving chunks needs no setting: every receiver takes them.
    /// </summary>
    public long MaxPayloadBytes { get; set; }

    /// <summary>An incomplete transfer from which no chunk arrived for this long is dropped and counted (TimedOut).</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Incomplete transfers held at once from all senders; a new one beyond it is refused (Busy) and its sender sends again later.</summary>
    public int MaxTransfers { get; set; } = 256;

    /// <summary>Incomplete transfers held at once per sender (per topic); a new one beyond it supersedes the sender's oldest.</summary>
    public int MaxTransfersPerSender { get; set; } = 2;

    /// <summary>Declared bytes of all incomplete transfers held at once (on disk); a new one beyond it is refused (Busy).</summary>
    public long MaxPendingBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Folder of the reassembly files (each unlinked as soon as it is opened); default: the system's temporary folder.</summary>
    public string? Directory { get; set; }

    /// <summary>What is wrong with <paramref name="o"/>, each message naming its key under <paramref name="section"/>.</summary>
    public static IEnumerable<string> Problems(ChunkingOptions o, string section)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.MaxPayloadBytes != 0 && o.MaxPayloadBytes is < MinPayloadBytes or > MaxPayloadLimit)
        {
            yield return $"{section}:MaxPayloadBytes must be 0 (off) or {MinPayloadBytes}-{MaxPayloadLimit} (was {o.MaxPayloadBytes})";
        }

        if (o.TransferTimeout < TimeSpan.FromSeconds(1) || o.TransferTimeout > TimeSpan.FromDays(1))
        {
            yield return $"{section}:TransferTimeout must be between 1 second and 1 day (was {o.TransferTimeout})";
        }

        if (o.MaxTransfers is < 1 or > 100_000)
        {
            yield return $"{section}:MaxTransfers must be 1-100000 (was {o.MaxTransfers})";
        }

        if (o.MaxTransfersPerSender < 1 || o.MaxTransfersPerSender > Math.Max(1, o.MaxTransfers))
        {
            yield return $"{section}:MaxTransfersPerSender must be 1-{section}:MaxTransfers (was {o.MaxTransfersPerSender})";
        }

        if (o.MaxPendingBytes < 1024 * 1024)
        {
            yield return $"{section}:MaxPendingBytes must be at least 1048576 (was {o.MaxPendingBytes})";
        }

        if (!string.IsNullOrEmpty(o.Directory) && !System.IO.Directory.Exists(o.Directory))
        {
            yield return $"{section}:Directory: no folder at '{o.Directory}'";
        }
    }
}
