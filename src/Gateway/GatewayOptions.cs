using EdgeFL.Messaging;

namespace EdgeFL.Gateway;

/// <summary>Configuration of a gateway (section <c>Gateway</c>); see docs/CONFIGURATION.md.</summary>
internal sealed class GatewayOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Gateway";

    /// <summary>This gateway's id: one topic segment, unique in the fleet.</summary>
    public string GatewayId { get; set; } = "gateway-1";

    /// <summary>Topic prefix shared by every participant.</summary>
    public string TopicPrefix { get; set; } = Core.Topics.TopicScheme.DefaultPrefix;

    /// <summary>
    /// A model file (wire-format model message) to start from. When empty the gateway waits for the
    /// cloud's global model.
    /// </summary>
    public string? InitialModelPath { get; set; }

    /// <summary>Where the devices' broker is and whether this process hosts it.</summary>
    public GatewayBrokerOptions Broker { get; set; } = new();

    /// <summary>How rounds open and close.</summary>
    public RoundOptions Rounds { get; set; } = new();

    /// <summary>Limits on what devices may send.</summary>
    public UpdateLimitOptions Updates { get; set; } = new();

    /// <summary>The aggregation rule (FedAvg, or a robust one).</summary>
    public Core.Aggregation.AggregationOptions Aggregation { get; set; } = new();

    /// <summary>How updates trained on older rounds count.</summary>
    public StalenessOptions Staleness { get; set; } = new();

    /// <summary>How a failed publish of the gateway's model is tried again (<c>Gateway:Retry</c>).</summary>
    public Messaging.Retry.RetryOptions Retry { get; set; } = new();

    /// <summary>
    /// Folder of the durable state (gateway.db: model, round, journal, outbox). Defaults to systemd's
    /// $STATE_DIRECTORY, else ./state. ":memory:" keeps nothing across restarts (demo, tests).
    /// </summary>
    public string StateDirectory { get; set; } = Storage.StateDatabase.DefaultDirectory();

    /// <summary>The path of the state database.</summary>
    public string StatePath => Storage.StateDatabase.PathIn(StateDirectory, "gateway.db");

    /// <summary>How models are signed and checked.</summary>
    public GatewaySigningOptions Signing { get; set; } = new();

    /// <summary>The signing key file: the configured one, else <c>gateway.key</c> in the state folder.</summary>
    public string SigningKeyPath => Signing.PrivateKeyPath is { Length: > 0 } path ? path : Storage.StateDatabase.PathIn(StateDirectory, "gateway.key");

    /// <summary>After each round, collect and return freed memory to the OS (see Hosting/RoundMemoryTrim.cs).</summary>
    public bool TrimMemoryAfterRound { get; set; } = true;
}

/// <summary>Where the gateway's devices meet: an embedded broker (default) or an external one.</summary>
internal sealed class GatewayBrokerOptions
{
    /// <summary>Host the MQTTnet broker in this process (true) or use the external broker at Host:Port.</summary>
    public bool Embedded { get; set; } = true;

    /// <summary>The embedded broker's listening address.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>External broker host (ignored when <see cref="Embedded"/>, which uses its bind address).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Broker port: the embedded broker listens here, or the external broker's port.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Client id of the gateway's own connection; defaults to <c>{GatewayId}-coordinator</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>User name for the external broker.</summary>
    public string? Username { get; set; }

    /// <summary>Password for the external broker.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the external broker's password (takes precedence over <see cref="Password"/>).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// Let clients connect to the embedded broker without credentials, with every right (a lab
    /// setting: it turns authentication and topic ACLs off). Off by default.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// The provisioned devices and their hashed secrets (written by <c>edgefl provision-device</c>; read,
    /// and re-read when it changes, by the embedded broker). Default: gateway-credentials.json in the
    /// configuration directory (/etc/edgefl).
    /// </summary>
    public string CredentialsPath { get; set; } = EdgeFL.Hosting.CredentialFiles.DefaultGatewayPath();

    /// <summary>TLS to an external broker (ignored when embedded).</summary>
    public Messaging.Security.MqttTlsOptions ClientTls { get; set; } = new();

    /// <summary>The embedded broker's TLS listener for devices.</summary>
    public Messaging.Security.BrokerTlsOptions Tls { get; set; } = new();

    /// <summary>Socket buffer size of the gateway's client connection.</summary>
    public int SocketBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// With an external broker: device messages (updates, status, declines) the broker may send the
    /// gateway before the gateway has handled and acknowledged them (MQTT 5 Receive Maximum). The
    /// gateway handles updates one at a time, so a broker faster than that would otherwise fill the
    /// gateway's memory with a whole round's updates; with 4 the rest wait at the broker. 1-65535.
    /// </summary>
    public int ReceiveMaximum { get; set; } = 4;

    /// <summary>
    /// Bytes of device updates (packet bodies of 64 KiB and more) the gateway holds at once before it has
    /// handled them: in the embedded broker over all device connections, or in the gateway's own client
    /// when the broker is external. Unset (the default): one update of the current model (its tensor
    /// bytes plus 64 KiB, at least 1 MiB; 8 MiB until a model is known). 0 = no limit.
    /// </summary>
    public long? ReceiveBudgetBytes { get; set; }

    /// <summary>
    /// How long device connections waiting for the receive budget wait with none of it given back before they
    /// are all let in over it (slow links, or a stalled sender).
    /// </summary>
    public TimeSpan ReceiveBudgetStallTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a new connection may take to send its CONNECT (and finish TLS) before it is closed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Open connections at most (devices, the gateway's own client, and any half-open ones).</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>
    /// Bytes of retained messages the embedded broker holds at most (the round's model, device status and
    /// telemetry); at least Gateway:Updates:MaxBytes + 16 MiB is used, so the round's model always fits.
    /// </summary>
    public long MaxRetainedBytes { get; set; } = Messaging.EmbeddedBrokerOptions.DefaultMaxRetainedBytes;

    /// <summary>
    /// Chunked transfer on the device link (<c>Gateway:Broker:Chunking</c>, docs/PROTOCOL.md 6.4): round models over
    /// <c>MaxPayloadBytes</c> go to the devices in chunks (not retained); chunked device updates are reassembled within these bounds.
    /// </summary>
    public Messaging.Chunking.ChunkingOptions Chunking { get; set; } = new();
}

/// <summary>Round timing and closing rules.</summary>
internal sealed class RoundOptions
{
    /// <summary>
    /// Fraction (0-1] of the devices online during the round that must have answered (an update or
    /// a decline) before the round closes early.
    /// </summary>
    public double QuorumFraction { get; set; } = 1.0;

    /// <summary>Longest a round stays open.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Accepted updates needed to produce a new model; with fewer the model carries over.</summary>
    public int MinUpdates { get; set; } = 1;

    /// <summary>Rounds to run before the service stops by itself; 0 runs until stopped.</summary>
    public long MaxRounds { get; set; }

    /// <summary>
    /// Before its first round after a start, the gateway waits until this many devices are online (0: it
    /// opens the first round at once). Without it the first round closes on whichever devices reconnected
    /// first: after a restart, one device can make a round.
    /// </summary>
    public int WaitForDevices { get; set; }

    /// <summary>Longest wait for <see cref="WaitForDevices"/>; after it the first round opens with the devices online.</summary>
    public TimeSpan WaitForDevicesTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Pause between the close of one round and the opening of the next.</summary>
    public TimeSpan Pause { get; set; } = TimeSpan.Zero;

    /// <summary>Upload the edge model to the cloud every this many rounds (HierFAVG's kappa2).</summary>
    public int SyncEvery { get; set; } = 5;

    /// <summary>After an upload, how long to wait for the cloud's new global model before going on.</summary>
    public TimeSpan GlobalModelTimeout { get; set; } = TimeSpan.FromSeconds(120);
}

/// <summary>What a device update may be.</summary>
internal sealed class UpdateLimitOptions
{
    /// <summary>Largest update payload, checked before decoding (the embedded broker drops larger ones too).</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Smallest sample count an update may claim.</summary>
    public long MinSampleCount { get; set; } = 1;

    /// <summary>Largest sample count an update may claim (bounds one device's weight).</summary>
    public long MaxSampleCount { get; set; } = 10_000_000;

    /// <summary>
    /// A weight bound relative to the fleet: an update claiming more samples than this multiple of the
    /// median sample count of the last round with <see cref="MinNormReference"/> or more accepted updates
    /// is weighted (and counted in the round's samples) as that multiple. 0 turns it off.
    /// </summary>
    public double MaxSampleRatio { get; set; } = 4;

    /// <summary>
    /// Largest L2 norm of an update's change from the round's model (float tensors together); 0 (default)
    /// turns the check off. What happens above it: <see cref="NormPolicy"/>.
    /// </summary>
    public double MaxUpdateNorm { get; set; }

    /// <summary>Clip (default: scale the change down to <see cref="MaxUpdateNorm"/>) or Reject (refuse the update, NormTooLarge).</summary>
    public Core.Validation.NormPolicy NormPolicy { get; set; } = Core.Validation.NormPolicy.Clip;

    /// <summary>
    /// A bound relative to honest updates: an update whose change has an L2 norm over this multiple of the
    /// median change norm of the last round with <see cref="MinNormReference"/> or more accepted updates
    /// is clipped or rejected (<see cref="NormPolicy"/>). 0 (default) turns it off; when both bounds are
    /// set the tighter one applies. It follows the norms down as training converges, where a fixed
    /// <see cref="MaxUpdateNorm"/> stops catching a scaled or sign-flipped update.
    /// </summary>
    public double MaxNormRatio { get; set; }

    /// <summary>Accepted updates a round needs before its median norm becomes the reference of <see cref="MaxNormRatio"/>.</summary>
    public int MinNormReference { get; set; } = 3;

    /// <summary>The configured absolute norm bound.</summary>
    public Core.Validation.UpdateNormBound NormBound => new(MaxUpdateNorm, NormPolicy);
}
