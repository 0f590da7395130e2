namespace EdgeFL.CloudBridge;

/// <summary>Configuration of the cloud aggregator service (section <c>Cloud</c>).</summary>
internal sealed class CloudAggregatorOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Cloud";

    /// <summary>Topic prefix shared by every participant.</summary>
    public string TopicPrefix { get; set; } = Core.Topics.TopicScheme.DefaultPrefix;

    /// <summary>Host the cloud broker in this process (true) or use an external broker at Host:Port.</summary>
    public bool EmbeddedBroker { get; set; } = true;

    /// <summary>The embedded broker's listening address.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>External broker host.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Broker port (embedded: listen here; external: connect here).</summary>
    public int Port { get; set; } = 1884;

    /// <summary>
    /// External broker endpoints as <c>host:port</c>, tried in turn (the nodes of a clustered broker); empty
    /// (default): <see cref="Host"/>:<see cref="Port"/>. Not used with the embedded broker.
    /// </summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>
    /// MQTT version of the aggregator's client on an external broker: <c>5</c> (default) or <c>3.1.1</c>
    /// (docs/PROTOCOL.md, "MQTT 3.1.1"). The embedded broker speaks both; the aggregator's own client there uses 5.
    /// </summary>
    public string ProtocolVersion { get; set; } = "5";

    /// <summary>The aggregator's MQTT client id.</summary>
    public string ClientId { get; set; } = "cloud-aggregator";

    /// <summary>User name on an external broker.</summary>
    public string? Username { get; set; }

    /// <summary>Password on an external broker.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the external broker's password (takes precedence over <see cref="Password"/>).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>TLS to an external broker.</summary>
    public EdgeFL.Messaging.Security.MqttTlsOptions ClientTls { get; set; } = new();

    /// <summary>
    /// Let clients connect to the embedded broker without credentials, with every right (a lab
    /// setting: it turns authentication and topic ACLs off). Off by default.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// The provisioned gateways and their hashed secrets (written by <c>edgefl provision-gateway</c>).
    /// Default: cloud-credentials.json in the configuration directory (/etc/edgefl).
    /// </summary>
    public string CredentialsPath { get; set; } = EdgeFL.Hosting.CredentialFiles.DefaultCloudPath();

    /// <summary>
    /// Open connections the embedded broker takes at most (gateways, and the aggregator's own two); one over
    /// it is closed as it is accepted. Size it above the fleet: each gateway holds one connection.
    /// </summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>The embedded broker's TLS listener for gateways.</summary>
    public EdgeFL.Messaging.Security.BrokerTlsOptions Tls { get; set; } = new();

    /// <summary>Model file published as the global model of round 0 when no global model exists yet.</summary>
    public string? InitialModelPath { get; set; }

    /// <summary>
    /// Gateways whose uploads complete a sync round at once; 0 closes rounds on <see cref="SyncDeadline"/> only.
    /// </summary>
    public int ExpectedGateways { get; set; }

    /// <summary>How long after a round's first upload the aggregate is published with whatever has arrived.</summary>
    public TimeSpan SyncDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The aggregation rule over the gateways' models (FedAvg, or a robust one).</summary>
    public Core.Aggregation.AggregationOptions Aggregation { get; set; } = new();

    /// <summary>What the cloud does with each sync round's average (<c>Cloud:ServerOptimizer</c>): take it (FedAvg), or step along it with FedAvgM, FedAdam or FedYogi.</summary>
    public Core.Aggregation.ServerOptimizerOptions ServerOptimizer { get; set; } = new();

    /// <summary>How a failed publish of the global model or of an acknowledgement is tried again (<c>Cloud:Retry</c>).</summary>
    public Messaging.Retry.RetryOptions Retry { get; set; } = new();

    /// <summary>Largest upload accepted, checked before decoding.</summary>
    public long MaxUploadBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest sample count one upload may claim.</summary>
    public long MaxTotalSamples { get; set; } = 1_000_000_000;

    /// <summary>
    /// Largest L2 norm of an upload's change from the current global model (float tensors together); 0
    /// (default) turns the check off. What happens above it: <see cref="UploadNormPolicy"/>.
    /// </summary>
    public double MaxUploadNorm { get; set; }

    /// <summary>Clip (default: scale the change down to <see cref="MaxUploadNorm"/>) or Reject (refuse the upload, NormTooLarge).</summary>
    public Core.Validation.NormPolicy UploadNormPolicy { get; set; } = Core.Validation.NormPolicy.Clip;

    /// <summary>Sync rounds that may be pending at once; uploads for further rounds are refused.</summary>
    public int MaxOpenRounds { get; set; } = 8;

    /// <summary>
    /// The most one sync round may move the global round forward: an upload for a round beyond the
    /// current global round + MaxRoundLead is folded into that round instead, so no upload (an honest
    /// gateway far ahead, or a hostile one naming round 2^62) can push every gateway's round clock further.
    /// </summary>
    public long MaxRoundLead { get; set; } = 100;

    /// <summary>
    /// Folder of the durable state (cloud.db: global model, pending uploads). Defaults to systemd's
    /// $STATE_DIRECTORY, else ./state. ":memory:" keeps nothing across restarts.
    /// </summary>
    public string StateDirectory { get; set; } = Storage.StateDatabase.DefaultDirectory();

    /// <summary>The path of the state database.</summary>
    public string StatePath => Storage.StateDatabase.PathIn(StateDirectory, "cloud.db");

    /// <summary>How global models are signed.</summary>
    public CloudSigningOptions Signing { get; set; } = new();

    /// <summary>The signing key file: the configured one, else <c>cloud.key</c> in the state folder.</summary>
    public string SigningKeyPath => Signing.PrivateKeyPath is { Length: > 0 } path ? path : Storage.StateDatabase.PathIn(StateDirectory, "cloud.key");

    /// <summary>
    /// Seconds the broker keeps the aggregator's session (its subscription and the QoS 1 uploads
    /// for it) while the aggregator is down; it connects with clean start off.
    /// </summary>
    public uint SessionExpirySeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>
    /// The region tier (docs/SCALING.md): this aggregator's own uplink to a higher-tier aggregator (<c>Cloud:Uplink</c>,
    /// the same keys as a gateway's <c>Gateway:Cloud</c>). When enabled, each sync round's average goes up as an
    /// upload under <see cref="RegionId"/>, and the higher tier's global model is what this aggregator publishes.
    /// </summary>
    public CloudLink.CloudUplinkOptions Uplink { get; set; } = new();

    /// <summary>The id this aggregator uploads under on the higher tier (a gateway id there); required with <c>Cloud:Uplink:Enabled</c>.</summary>
    public string? RegionId { get; set; }

    /// <summary>Socket buffer size of the aggregator's client connection.</summary>
    public int SocketBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Uploads the broker may send the aggregator before it has journaled and acknowledged them (MQTT 5
    /// Receive Maximum), so that a burst of gateways' models waits at an external broker rather than
    /// in the aggregator's memory. 1-65535; the embedded broker (MQTTnet) does not apply it.
    /// </summary>
    public int ReceiveMaximum { get; set; } = 4;

    /// <summary>Chunked transfer (<c>Cloud:Chunking</c>): global models over <c>MaxPayloadBytes</c> go out in chunks; chunked uploads are reassembled within these bounds.</summary>
    public Messaging.Chunking.ChunkingOptions Chunking { get; set; } = new();
}
