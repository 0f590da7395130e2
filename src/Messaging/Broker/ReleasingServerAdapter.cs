using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;
using MQTTnet.Server.Internal.Adapter;

namespace EdgeFL.Messaging.Broker;

/// <summary>
/// MQTTnet's TCP server adapter (the same listeners, TLS included) whose connections drop their last
/// received message once it has been handled (<see cref="ReleasingChannelAdapter"/>).
/// </summary>
internal sealed class ReleasingServerAdapter : IMqttServerAdapter
{
    private readonly MqttTcpServerAdapter _inner = new();

    public ReleasingServerAdapter()
    {
        _inner.ClientHandler = adapter => ClientHandler is { } handler ? handler(new ReleasingChannelAdapter(adapter)) : Task.CompletedTask;
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger) => _inner.StartAsync(options, logger);

    public Task StopAsync() => _inner.StopAsync();

    public void Dispose() => _inner.Dispose();
}
