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

        if (MaxPendingMessagesPerClient < 1)
        {
            throw new InvalidOperationException($"{section}:MaxPendingMessagesPerClient must be at least 1");
        }

        Tls.Validate(section + ":Tls");
    }
}
