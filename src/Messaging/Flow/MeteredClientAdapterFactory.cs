using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace EdgeFL.Messaging.Flow;

/// <summary>
/// MQTTnet's TCP client transport (what its default factory builds for TCP options) with every connection
/// metered against one <see cref="ReceiveBudget"/> (<see cref="MeteredClientAdapter"/>).
/// </summary>
internal sealed class MeteredClientAdapterFactory(ReceiveBudget budget, long meteredFromBytes) : IMqttClientAdapterFactory
{
    public ReceiveBudget Budget => budget;

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is not MqttClientTcpOptions)
        {
            throw new NotSupportedException("the metered client transport supports TCP (with or without TLS) only");
        }

        // No size limits of its own: a client announces its maximum packet size to the broker instead.
        var channel = new MeteredChannel(new MqttTcpChannel(options), budget, new BodyLimits(long.MaxValue, long.MaxValue, meteredFromBytes));
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        var adapter = new MqttChannelAdapter(channel, formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
        return new MeteredClientAdapter(adapter, channel, budget);
    }
}
