namespace EdgeFL.Messaging;

/// <summary>How an EdgeFL component reaches an MQTT broker as a client.</summary>
public sealed class MqttConnectionOptions
{
    /// <summary>Broker host name or address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Broker TCP port.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Brokers to connect to, in order (e.g. the nodes of a cluster); empty means <see cref="Host"/>:<see cref="Port"/>.
    /// After a failed connect the next one is tried (with the reconnect backoff); a connection stays on the
    /// endpoint it reached until that one fails.
    /// </summary>
    public IReadOnlyList<BrokerEndpoint> Endpoints { get; set; } = [];

    /// <summary>The MQTT version spoken: 5 (default) or 3.1.1, which sends no MQTT 5 properties (docs/PROTOCOL.md).</summary>
    public MqttProtocol Protocol { get; set; } = MqttProtocol.V5;

    /// <summary>The endpoints tried in turn: <see cref="Endpoints"/>, or <see cref="Host"/>:<see cref="Port"/> alone.</summary>
    public IReadOnlyList<BrokerEndpoint> EffectiveEndpoints => Endpoints.Count > 0 ? Endpoints : [new BrokerEndpoint(Host, Port)];

    /// <summary>MQTT client id; must be unique per broker.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>User name, if the broker wants one.</summary>
    public string? Username { get; set; }

    /// <summary>Password, if the broker wants one.</summary>
    public string? Password { get; set; }

    /// <summary>TLS to the broker.</summary>
    public Security.MqttTlsOptions Tls { get; set; } = new();

    /// <summary>Start a fresh session on each connect (false keeps the broker-side session).</summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>Seconds the broker keeps the session after a disconnect (MQTT 5; 0 = ends with the connection).</summary>
    public uint SessionExpirySeconds { get; set; }

    /// <summary>MQTT keep-alive.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one connect attempt.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First delay after a failed connect; doubles up to <see cref="ReconnectMaxDelay"/>, with jitter.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest delay between connect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Socket send/receive buffer size. MQTTnet's default of 8 KiB makes model-sized payloads
    /// hundreds of times slower on Linux (see docs/PERFORMANCE.md), hence 1 MiB.
    /// </summary>
    public int SocketBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// MQTT 5 Receive Maximum: QoS 1 and 2 messages the broker may have sent this client and not yet had
    /// acknowledged (0 = MQTT's default, 65,535). The client acknowledges a message after its handler
    /// returns, so this bounds the messages that wait in this process for their handler: with
    /// model-sized messages and a broker faster than the handler (mosquitto, a burst of device updates)
    /// the rest wait at the broker instead of in this process's memory. Brokers that implement MQTT 5
    /// flow control honour it (mosquitto does; MQTTnet's server, the embedded broker, does not).
    /// </summary>
    public ushort ReceiveMaximum { get; set; }

    /// <summary>
    /// Bytes of large incoming messages (64 KiB and more) this client holds at once, from the moment a
    /// message's header arrives until it has been handled and acknowledged (0 = no limit). MQTTnet's
    /// client otherwise reads whatever the broker sends and queues it for the handler without limit; with
    /// a budget it stops reading the socket while the budget is spent, and TCP flow control leaves the rest
    /// at the broker. Unlike <see cref="ReceiveMaximum"/> it does not depend on the broker's cooperation.
    /// </summary>
    public long ReceiveBudgetBytes { get; set; }

    /// <summary>With <see cref="ReceiveBudgetBytes"/>: how long reading waits with none of the budget given back before it goes on over it (a stalled handler must not stall keep-alives for ever).</summary>
    public TimeSpan ReceiveBudgetStallTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest packet this client accepts from the broker (0 = no limit announced).</summary>
    public uint MaximumPacketBytes { get; set; }

    /// <summary>Message the broker publishes for us when the connection drops without a clean disconnect.</summary>
    public LastWill? Will { get; set; }

    /// <summary>Throws with a message naming the offending option when the options cannot work.</summary>
    public void Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new InvalidOperationException($"{section}:Host must be set");
        }

        if (Port is <= 0 or > 65535)
        {
            throw new InvalidOperationException($"{section}:Port must be 1-65535 (was {Port})");
        }

        foreach (var endpoint in Endpoints)
        {
            if (string.IsNullOrWhiteSpace(endpoint.Host) || endpoint.Port is <= 0 or > 65535)
            {
                throw new InvalidOperationException($"{section}:Endpoints: '{endpoint}' is not host:port with a port of 1-65535");
            }
        }

        if (string.IsNullOrWhiteSpace(ClientId) || ClientId.Length > 128)
        {
            throw new InvalidOperationException($"{section}:ClientId must be 1-128 characters");
        }

        if (SocketBufferBytes < 4096)
        {
            throw new InvalidOperationException($"{section}:SocketBufferBytes must be at least 4096 (was {SocketBufferBytes})");
        }

        if (ReconnectMinDelay <= TimeSpan.Zero || ReconnectMaxDelay < ReconnectMinDelay)
        {
            throw new InvalidOperationException($"{section}:ReconnectMinDelay must be > 0 and <= {section}:ReconnectMaxDelay");
        }

        if (ConnectTimeout <= TimeSpan.Zero || KeepAlive < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{section}:ConnectTimeout must be > 0 and {section}:KeepAlive >= 0");
        }

        if (ReceiveBudgetBytes < 0 || ReceiveBudgetStallTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{section}:ReceiveBudgetBytes must be >= 0 and {section}:ReceiveBudgetStallTimeout > 0");
        }

        Tls.Validate(section + ":Tls");
    }
}
