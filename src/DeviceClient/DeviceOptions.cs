namespace EdgeFL.DeviceClient;

/// <summary>Configuration of a device (section <c>Device</c>); see docs/CONFIGURATION.md.</summary>
internal sealed class DeviceOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Device";

    /// <summary>This device's id: one topic segment, unique at its gateway; also its MQTT client id.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>The gateway this device belongs to.</summary>
    public string GatewayId { get; set; } = "gateway-1";

    /// <summary>Topic prefix shared by every participant.</summary>
    public string TopicPrefix { get; set; } = Core.Topics.TopicScheme.DefaultPrefix;

    /// <summary>The gateway's broker host.</summary>
    public string BrokerHost { get; set; } = "127.0.0.1";

    /// <summary>The gateway's broker port.</summary>
    public int BrokerPort { get; set; } = 1883;

    /// <summary>User name on the broker; defaults to <see cref="DeviceId"/> when a password is set.</summary>
    public string? Username { get; set; }

    /// <summary>Password on the broker (what <c>edgefl provision-device</c> printed).</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password (takes precedence over <see cref="Password"/>; e.g. a systemd credential).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>TLS to the gateway's broker (its TLS listener, port 8883 by default).</summary>
    public EdgeFL.Messaging.Security.MqttTlsOptions Tls { get; set; } = new();

    /// <summary>Below this battery level (0-1) the device declines rounds unless charging.</summary>
    public double MinBatteryLevel { get; set; } = 0.2;

    /// <summary>Updates kept while offline; when full the oldest is dropped.</summary>
    public int MaxBufferedUpdates { get; set; } = 16;

    /// <summary>
    /// Folder where buffered updates are kept across restarts (device.db). Null or ":memory:" keeps
    /// them in memory only (the demo). The stand-alone service defaults to $STATE_DIRECTORY, else ./state.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>Send updates with 8-bit affine quantization (about 4x fewer bytes).</summary>
    public bool QuantizeUpdates { get; set; }

    /// <summary>Add the profile's simulated training time (and its energy) to the real one, as in the demo.</summary>
    public bool SimulateCost { get; set; }

    /// <summary>Largest model accepted from the gateway, checked before decoding.</summary>
    public long MaxModelBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Socket buffer size of the device's connection.</summary>
    public int SocketBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Chunked transfer (<c>Device:Chunking</c>, docs/PROTOCOL.md 6.4): updates over <c>MaxPayloadBytes</c> (0 = off, the
    /// default) go out in chunks; chunked models from the gateway are reassembled within these bounds, whatever <c>MaxPayloadBytes</c>.
    /// </summary>
    public EdgeFL.Messaging.Chunking.ChunkingOptions Chunking { get; set; } = new();

    /// <summary>How the gateway's models are checked before they are loaded.</summary>
    public DeviceSigningOptions Signing { get; set; } = new();

    /// <summary>Throws with a message naming the key when the options cannot work.</summary>
    public void Validate()
    {
        const string s = Section;
        if (!Core.Topics.TopicScheme.IsValidId(DeviceId))
        {
            throw new InvalidOperationException($"{s}:DeviceId '{DeviceId}' must be 1-128 characters without '/', '+', '#' or whitespace");
        }

        if (!Core.Topics.TopicScheme.IsValidId(GatewayId))
        {
            throw new InvalidOperationException($"{s}:GatewayId '{GatewayId}' must be 1-128 characters without '/', '+', '#' or whitespace");
        }

        if (MinBatteryLevel is < 0 or > 1 || double.IsNaN(MinBatteryLevel))
        {
            throw new InvalidOperationException($"{s}:MinBatteryLevel must be in [0, 1] (was {MinBatteryLevel})");
        }

        if (MaxBufferedUpdates < 0)
        {
            throw new InvalidOperationException($"{s}:MaxBufferedUpdates must not be negative");
        }

        if (BrokerPort is <= 0 or > 65535)
        {
            throw new InvalidOperationException($"{s}:BrokerPort must be 1-65535 (was {BrokerPort})");
        }

        if (MaxModelBytes < 1024)
        {
            throw new InvalidOperationException($"{s}:MaxModelBytes must be at least 1024");
        }

        if (!string.IsNullOrEmpty(PasswordFile) && !File.Exists(PasswordFile))
        {
            throw new InvalidOperationException($"{s}:PasswordFile: no file at '{PasswordFile}'");
        }

        Tls.Validate($"{s}:Tls");

        if (EdgeFL.Messaging.Chunking.ChunkingOptions.Problems(Chunking, $"{s}:Chunking").FirstOrDefault() is { } chunking)
        {
            throw new InvalidOperationException(chunking);
        }

        if (Signing.Problem(s) is { } signing)
        {
            throw new InvalidOperationException(signing);
        }
    }
}
