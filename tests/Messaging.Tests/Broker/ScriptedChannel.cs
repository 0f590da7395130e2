using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace EdgeFL.Messaging.Tests.Broker;

/// <summary>A connection's byte stream for tests: serves the given bytes, then end of stream; remembers the largest buffer it was asked to fill.</summary>
internal sealed class ScriptedChannel(byte[] bytes) : IMqttChannel
{
    private int _position;
    private int _largest;

    public WeakReference<byte[]>? LargestReadBuffer { get; private set; }

    public int LargestReadBufferLength => _largest;

    public bool Disposed { get; private set; }

    public X509Certificate2 ClientCertificate => null!;

    public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);

    public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 2);

    public bool IsSecureConnection => false;

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (buffer.Length > _largest)
        {
            _largest = buffer.Length;
            LargestReadBuffer = new WeakReference<byte[]>(buffer);
        }

        int n = Math.Min(count, bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return Task.FromResult(n);
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => Disposed = true;
}
