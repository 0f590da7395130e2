using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeFL.Messaging.Flow;

/// <summary>
/// An MQTTnet channel adapter that passes everything to the one it wraps; subclasses override what
/// they change (receiving, sending, disposal).
/// </summary>
internal abstract class ChannelAdapterDecorator(IMqttChannelAdapter inner) : IMqttChannelAdapter
{
    /// <summary>The adapter wrapped.</summary>
    protected IMqttChannelAdapter Inner { get; } = inner;

    public long BytesReceived => Inner.BytesReceived;

    public long BytesSent => Inner.BytesSent;

    public X509Certificate2 ClientCertificate => Inner.ClientCertificate;

    public EndPoint RemoteEndPoint => Inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => Inner.LocalEndPoint;

    public bool IsSecureConnection => Inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => Inner.PacketFormatterAdapter;

    public Task ConnectAsync(CancellationToken cancellationToken) => Inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => Inner.DisconnectAsync(cancellationToken);

    public virtual Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken) => Inner.ReceivePacketAsync(cancellationToken);

    public virtual Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => Inner.SendPacketAsync(packet, cancellationToken);

    public void ResetStatistics() => Inner.ResetStatistics();

    public virtual void Dispose() => Inner.Dispose();
}
