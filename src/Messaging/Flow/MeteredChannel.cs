using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Exceptions;

namespace EdgeFL.Messaging.Flow;

/// <summary>
/// One connection's byte stream (a broker's connection to a client, or a client's to its broker), read by MQTTnet's channel adapter, with the MQTT framing
/// followed so that a packet's announced size is known before MQTTnet allocates its body: a body over
/// the size limit closes the connection, and a large body waits for room in the shared
/// <see cref="ReceiveBudget"/> (the read that completes the packet's header returns only then).
/// </summary>
/// <remarks>
/// MQTTnet reads a packet's fixed header a byte or two at a time and then its body in chunks into an
/// array of the announced size, so the read that delivers the header's last byte is where to wait.
/// The bytes held are given back by <see cref="ReleaseHeld"/>, which the broker's
/// <see cref="Broker.ReleasingChannelAdapter"/> calls when the broker asks for the connection's next packet
/// (the previous one has then been handled), or taken over with <see cref="TakeHeld"/> by a client's
/// <see cref="MeteredClientAdapter"/>, which gives them back when the message has been acknowledged;
/// and given back when the connection is disposed.
/// </remarks>
internal sealed class MeteredChannel(IMqttChannel inner, ReceiveBudget? budget, BodyLimits limits, Action<EndPoint?, long>? oversize = null, ByteTally? bytes = null) : IMqttChannel
{
    private readonly Lock _lock = new();
    private long _bodyLeft;
    private bool _inLength;
    private long _length;
    private int _shift;
    private bool _lost; // the framing could not be followed (malformed length): MQTTnet closes the connection
    private long _packets;
    private long _held;
    private bool _disposed;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    /// <summary>Budget bytes this connection holds now.</summary>
    public long Held
    {
        get { lock (_lock) { return _held; } }
    }

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        int read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        bytes?.Received(read);
        long admit = 0;
        for (int i = 0; i < read && !_lost; i++)
        {
            if (_bodyLeft > 0)
            {
                int skip = (int)Math.Min(_bodyLeft, read - i);
                _bodyLeft -= skip;
                i += skip - 1;
                continue;
            }

            if (!_inLength)
            {
                // The packet type byte; the remaining length follows.
                _inLength = true;
                _length = 0;
                _shift = 0;
                continue;
            }

            byte b = buffer[offset + i];
            _length |= (long)(b & 0x7F) << _shift;
            _shift += 7;
            if ((b & 0x80) != 0)
            {
                _lost = _shift >= 28; // more than four length bytes: MQTTnet refuses the packet
                continue;
            }

            _inLength = false;
            _bodyLeft = _length;
            long limit = _packets++ == 0 ? limits.FirstPacketBytes : limits.PacketBytes;
            if (_length > limit)
            {
                oversize?.Invoke(inner.RemoteEndPoint, _length);
                throw new MqttProtocolViolationException($"packet of {_length} bytes announced; the broker takes at most {limit}");
            }

            if (_packets > 1 && _length >= limits.MeteredFromBytes)
            {
                admit += _length;
            }
        }

        if (admit > 0 && budget is not null)
        {
            long granted = await budget.AcquireAsync(admit, cancellationToken).ConfigureAwait(false);
            bool disposed;
            lock (_lock)
            {
                disposed = _disposed;
                if (!disposed)
                {
                    _held += granted;
                }
            }

            if (disposed)
            {
                budget.Release(granted);
            }
        }

        return read;
    }

    /// <summary>
    /// Hands what this connection holds of the budget (the packet just read) over to the caller, who gives it
    /// back with <see cref="ReceiveBudget.Release"/> once that packet has been handled.
    /// </summary>
    public long TakeHeld()
    {
        lock (_lock)
        {
            long held = _held;
            _held = 0;
            return held;
        }
    }

    /// <summary>Gives back what this connection holds of the budget (its last packet has been handled).</summary>
    public void ReleaseHeld()
    {
        long held;
        lock (_lock)
        {
            held = _held;
            _held = 0;
        }

        if (held > 0)
        {
            budget?.Release(held);
        }
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        bytes?.Sent(buffer.Length);
        return inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        ReleaseHeld();
        inner.Dispose();
    }
}
