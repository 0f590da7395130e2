using System.Net;
using System.Net.Sockets;
using EdgeFL.Messaging.Flow;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Messaging.Broker;

/// <summary>
/// The embedded broker's transport, in place of MQTTnet's <c>MqttTcpServerAdapter</c>: the same endpoints
/// (plain and TLS, IPv4 and IPv6 as configured), with every connection metered (<see cref="MeteredChannel"/>:
/// size limit before allocation, receive budget) and releasing its last message once handled
/// (<see cref="ReleasingChannelAdapter"/>).
/// </summary>
internal sealed class BrokerServerAdapter(BrokerConnections connections, ILogger logger) : IMqttServerAdapter
{
    private readonly List<BrokerListener> _listeners = [];
    private CancellationTokenSource? _stopping;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger mqttLogger)
    {
        if (_stopping is not null)
        {
            throw new InvalidOperationException("the broker's listeners are already started");
        }

        _stopping = new CancellationTokenSource();
        try
        {
            if (options.DefaultEndpointOptions.IsEnabled)
            {
                Listen(options, options.DefaultEndpointOptions, mqttLogger);
            }

            if (options.TlsEndpointOptions is { IsEnabled: true } tls)
            {
                if (tls.CertificateProvider is null)
                {
                    throw new ArgumentException("TLS certificate is not set.");
                }

                Listen(options, tls, mqttLogger);
            }
        }
        catch
        {
            Stop();
            throw;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose() => Stop();

    private void Listen(MqttServerOptions options, MqttServerTcpEndpointBaseOptions endpoint, IMqttNetLogger mqttLogger)
    {
        foreach (var (family, address) in new[] { (AddressFamily.InterNetwork, endpoint.BoundInterNetworkAddress), (AddressFamily.InterNetworkV6, endpoint.BoundInterNetworkV6Address) })
        {
            if (address.Equals(IPAddress.None))
            {
                continue;
            }

            var listener = new BrokerListener(family, options, endpoint, connections, OnClientAsync, mqttLogger, logger);
            listener.Start(_stopping!.Token);
            _listeners.Add(listener);
        }
    }

    private Task OnClientAsync(IMqttChannelAdapter adapter) => ClientHandler is { } handler ? handler(adapter) : Task.CompletedTask;

    private void Stop()
    {
        var stopping = _stopping;
        _stopping = null;
        if (stopping is null)
        {
            return;
        }

        stopping.Cancel();
        stopping.Dispose();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _listeners.Clear();
    }
}
