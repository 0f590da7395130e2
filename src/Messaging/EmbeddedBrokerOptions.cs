using System.Net;

namespace EdgeFL.Messaging;

/// <summary>Settings of the in-process MQTT broker a gateway (or the demo's cloud) hosts.</summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Address to listen on: an IPv4 or IPv6 address; <c>0.0.0.0</c> for every interface.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port to listen on.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Largest publish the broker forwards. MQTTnet's server advertises no maximum packet size, so
    /// the broker drops larger publishes itself, before any subscriber decodes them.
    /// </summary>
    public long MaxMessageBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bytes of large packet bodies (64 KiB and more) the broker holds at once, over all connections
    /// (0 = no limit). A connection whose packet does not fit waits, without reading its socket, until
    /// handled packets make room (TCP flow control holds the rest on the sender), so a round in which
    /// every device sends its update at once costs this much memory, not devices x model. See
    /// <see cref="ReceiveBudgetStallTimeout"/> for slow or stalled senders.
    /// </summary>
    public long ReceiveBudgetBytes { get; set; } = DefaultReceiveBudgetBytes;

    /// <summary>
    /// When connections wait for the receive budget and none of it has been given back for this long
    /// (the bodies being received come over slow links, or a client stalls on purpose), every waiting
    /// connection is let in over the budget, as without one. So the budget holds senders back only while
    /// the broker itself is the bottleneck (bodies arrive and are handled faster than this), where
    /// waiting costs no time; senders slower than that are not serialised behind one another.
    /// </summary>
    public TimeSpan ReceiveBudgetStallTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="ReceiveBudgetBytes"/>: 8 MiB.</summary>
    public const long DefaultReceiveBudgetBytes = 8L * 1024 * 1024;

    /// <summary>
    /// How long a new connection may take to send its whole CONNECT (and finish a TLS handshake); a
    /// half-open or trickling client is closed after it.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Open connections at most (authenticated or not); a connection over it is closed as it is accepted.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>
    /// Bytes of retained messages the broker holds at most, all topics together; a retained publish that
    /// would go over it is refused (PUBACK 0x97 Quota exceeded) and not kept. Clearing or replacing one counts its new size only.
    /// </summary>
    public long MaxRetainedBytes { get; set; } = DefaultMaxRetainedBytes;

    /// <summary>The default <see cref="MaxRetainedBytes"/>: 80 MiB (one 64 MiB model and room for the fleet's small messages).</summary>
    public const long DefaultMaxRetainedBytes = 80L * 1024 * 1024;

    /// <summary>Messages queued per subscriber before the oldest are dropped.</summary>
    public int MaxPendingMessagesPerClient { get; set; } = 1000;

    /// <summary>
    /// The TLS listener, besides the plain one at BindAddress:Port (which the host's own client uses;
    /// keep it on loopback, the default, when devices come in over TLS).
    /// </summary>
    public Security.BrokerTlsOptions Tls { get; set; } = new();

    /// <summary>The address a client in the same process uses to reach a broker bound to <paramref name="bindAddress"/>.</summary>
    public static string LoopbackFor(string bindAddress) => bindAddress switch
    {
        "0.0.0.0" => "127.0.0.1",
        "::" => "::1",
        _ => bindAddress,
    };

    /// <summary>Throws with a message naming the offending key.</summary>
    public void Validate(string section)
    {
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            throw new InvalidOperationException($"{section}:BindAddress must be an IP address (was '{BindAddress}')");
        }

        if (Port is <= 0 or > 65535)
        {
            throw new InvalidOperationException($"{section}:Port must be 1-65535 (was {Port})");
        }

        if (MaxMessageBytes < 1024)
        {
            throw new InvalidOperationException($"{section}:MaxMessageBytes must be at least 1024 (was {MaxMessageBytes})");
        }

        if (ReceiveBudgetBytes < 0)
        {
            throw new InvalidOperationException($"{section}:ReceiveBudgetBytes must be 0 (no limit) or positive (was {ReceiveBudgetBytes})");
        }

        if (ReceiveBudgetStallTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{section}:ReceiveBudgetStallTimeout must be positive (was {ReceiveBudgetStallTimeout})");
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException($"{section}:ConnectTimeout must be positive and at most 5 minutes (was {ConnectTimeout})");
        }

        if (MaxConnections < 2)
        {
            throw new InvalidOperationException($"{section}:MaxConnections must be at least 2 (was {MaxConnections})");
        }

        if (MaxRetainedBytes < MaxMessageBytes)
        {
            throw new InvalidOperationException($"{section}:MaxRetainedBytes must be at least MaxMessageBytes ({MaxMessageBytes}; was {MaxRetainedBytes})");
        }

        if (MaxPendingMessagesPerClient < 1)
        {
            throw new InvalidOperationException($"{section}:MaxPendingMessagesPerClient must be at least 1");
        }

        Tls.Validate(section + ":Tls");
    }
}
