using System.Diagnostics.Metrics;

namespace EdgeFL.Core.Diagnostics;

/// <summary>
/// The names of EdgeFL's meters (one per service) and how one is made: through the host's
/// <see cref="IMeterFactory"/> when there is one, so each service instance (four gateways in the demo's
/// process, a test's host) has a meter of its own, told apart by the meter's tags.
/// </summary>
public static class EdgeFlMeters
{
    /// <summary>The gateway's round admission (docs/OPERATIONS.md, "Metrics").</summary>
    public const string Gateway = "EdgeFL.Gateway";

    /// <summary>The cloud aggregator's upload admission.</summary>
    public const string Cloud = "EdgeFL.Cloud";

    /// <summary>The embedded MQTT broker.</summary>
    public const string Broker = "EdgeFL.Broker";

    /// <summary>The device runtime.</summary>
    public const string Device = "EdgeFL.Device";

    /// <summary>
    /// A meter named <paramref name="name"/> with <paramref name="tags"/>: the factory's (it disposes it)
    /// when given one, else a new one that the caller owns and disposes.
    /// </summary>
    public static Meter Create(IMeterFactory? factory, string name, params KeyValuePair<string, object?>[] tags)
    {
        var options = new MeterOptions(name) { Tags = tags };
        return factory?.Create(options) ?? new Meter(options);
    }
}
