using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeFL.Messaging.Flow;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Messaging.Broker;

/// <summary>
/// One listening socket of the embedded broker (one address family of one endpoint, plain or TLS). It
/// does what MQTTnet's <c>MqttTcpServerListener</c> (5.2) does (socket options, TLS handshake, client
/// certificate) except that each connection's bytes pass through a <see cref="MeteredChannel"/> and its
/// adapter is a <see cref="ReleasingChannelAdapter"/>, and that a TLS handshake has a time limit.
/// </summary>
internal sealed class BrokerListener(
    AddressFamily family,
    MqttServerOptions serverOptions,
    MqttServerTcpEndpointBaseOptions endpoint,
    BrokerConnections connections,
    Func<IMqttChannelAdapter, Task> clientHandler,
    IMqttNetLogger mqttLogger,
    ILogger logger) : IDisposable
{
    private Socket? _socket;
    private IPEndPoint? _localEndPoint;

    /// <summary>Binds and listens (throws when the address cannot be bound), then accepts in the background.</summary>
    public void Start(CancellationToken cancellationToken)
    {
        var address = family == AddressFamily.InterNetworkV6 ? endpoint.BoundInterNetworkV6Address : endpoint.BoundInterNetworkAddress;
        var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.ReuseAddress)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            socket.NoDelay = endpoint.NoDelay;
            if (endpoint.LingerState is { } linger)
            {
                socket.LingerState = linger;
            }

            if (endpoint.KeepAlive is { } keepAlive)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, keepAlive);
            }

            socket.Bind(new IPEndPoint(address, endpoint.Port));
            _localEndPoint = (IPEndPoint)socket.LocalEndPoint!;
            endpoint.Port = _localEndPoint.Port;
            socket.Listen(endpoint.ConnectionBacklog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        _ = Task.Run(() => AcceptAsync(socket, cancellationToken), cancellationToken);
    }

    public void Dispose() => _socket?.Dispose();

    private async Task AcceptAsync(Socket socket, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.OperationAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (Exception ex)
            {
                MessagingLog.BrokerAcceptFailed(logger, _localEndPoint?.ToString() ?? "?", ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            EndPoint? remote = null;
            try
            {
                remote = client.RemoteEndPoint;
            }
            catch (SocketException)
            {
            }

            if (!connections.TryOpen(remote))
            {
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => HandleAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task HandleAsync(Socket client, CancellationToken cancellationToken)
    {
        Stream? stream = null;
        EndPoint? remote = null;
        try
        {
            remote = client.RemoteEndPoint;
            client.NoDelay = endpoint.NoDelay;
            stream = new NetworkStream(client, ownsSocket: true);
            X509Certificate2? clientCertificate = null;
            if (endpoint is MqttServerTlsTcpEndpointOptions tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, tls.RemoteCertificateValidationCallback);
                stream = ssl;
                using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    handshake.CancelAfter(serverOptions.DefaultCommunicationTimeout);
                    await ssl.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions
                        {
                            ServerCertificate = tls.CertificateProvider.GetCertificate(),
                            ClientCertificateRequired = tls.ClientCertificateRequired,
                            EnabledSslProtocols = tls.SslProtocol,
                            CertificateRevocationCheckMode = tls.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
                            EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                            CipherSuitesPolicy = tls.CipherSuitesPolicy,
                        },
                        handshake.Token).ConfigureAwait(false);
                }

                clientCertificate = ssl.RemoteCertificate switch
                {
                    null => null,
                    X509Certificate2 certificate => certificate,
                    var other => X509CertificateLoader.LoadCertificate(other.Export(X509ContentType.Cert)),
                };
            }

            using var channel = connections.Meter(new MqttTcpChannel(stream, _localEndPoint, remote, clientCertificate));
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(serverOptions.WriterBufferSize, serverOptions.WriterBufferSizeMax));
            using var adapter = new ReleasingChannelAdapter(
                new MqttChannelAdapter(channel, formatter, mqttLogger) { AllowPacketFragmentation = endpoint.AllowPacketFragmentation },
                channel);
            await clientHandler(adapter).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A client that goes away during the handshake, or a broken connection: the client's problem.
            MessagingLog.BrokerConnectionFailed(logger, remote?.ToString() ?? "?", ex.Message);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                client.Dispose();
            }

            connections.Closed();
        }
    }
}
