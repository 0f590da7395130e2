namespace EdgeFL.CloudLink;

/// <summary>How a gateway reaches the cloud broker (section <c>Gateway:Cloud</c>).</summary>
public sealed class CloudUplinkOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Gateway:Cloud";

    /// <summary>Send edge models to the cloud and take its global models.</summary>
    public bool Enabled { get; set; }

    /// <summary>Cloud broker host.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Cloud broker port.</summary>
    public int Port { get; set; } = 1884;

    /// <summary>
    /// Cloud broker endpoints as <c>host:port</c>, tried in turn (the nodes of a clustered broker): after a
    /// failed connect the uplink moves to the next one. Empty (default): <see cref="Host"/>:<see cref="Port"/>.
    /// </summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>
    /// MQTT version of the uplink: <c>5</c> (default) or <c>3.1.1</c>. On 3.1.1 the uplink connects with a
    /// clean session (no session expiry exists to bound a persistent one) and sends no MQTT 5 properties
    /// (docs/PROTOCOL.md, "MQTT 3.1.1").
    /// </summary>
    public string ProtocolVersion { get; set; } = "5";

    /// <summary>Client id on the cloud broker; defaults to <c>{GatewayId}-uplink</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>User name on the cloud broker; defaults to the gateway id when a password is set.</summary>
    public string? Username { get; set; }

    /// <summary>Password on the cloud broker (what <c>edgefl provision-gateway</c> printed).</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password (takes precedence over <see cref="Password"/>; e.g. a systemd credential).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>TLS to the cloud broker.</summary>
    public EdgeFL.Messaging.Security.MqttTlsOptions Tls { get; set; } = new();

    /// <summary>Socket buffer size of the uplink connection.</summary>
    public int SocketBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Seconds the cloud broker keeps this gateway's session (subscriptions and QoS 1 messages for it)
    /// while it is offline; the uplink connects with clean start off.
    /// </summary>
    public uint SessionExpirySeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>
    /// How long an upload the broker took (PUBACK) waits for the cloud's own acknowledgement
    /// (<c>{prefix}/cloud/acks/{gw}</c>) before it is sent again; it is also sent again after a reconnect.
    /// It stays in the outbox until then: a broker's PUBACK only says the broker took it. Zero treats
    /// the PUBACK as delivery, for a cloud that does not acknowledge.
    /// </summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest global model accepted from the cloud, checked before decoding.</summary>
    public long MaxModelBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How the uplink's sender backs off after a failed send (<c>Gateway:Cloud:Retry</c>).</summary>
    public EdgeFL.Messaging.Retry.RetryOptions Retry { get; set; } = new();

    /// <summary>Chunked transfer (<c>Gateway:Cloud:Chunking</c>): uploads over <c>MaxPayloadBytes</c> go out in chunks; chunked global models are reassembled within these bounds.</summary>
    public EdgeFL.Messaging.Chunking.ChunkingOptions Chunking { get; set; } = new();
}
