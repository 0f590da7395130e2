using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.DeviceClient.Tests;

/// <summary>
/// What a device sees of its gateway, without the gateway: an embedded broker on a free port and a
/// client that publishes models (gateway "gw", signed with its key) and collects everything the devices publish.
/// </summary>
internal sealed class FakeGateway : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-fakegw-").FullName;
    private ModelSigner? _signer;

    private readonly Channel<(string Topic, byte[] Payload)> _inbox = Channel.CreateUnbounded<(string, byte[])>();
    private readonly TopicScheme _topics = new();
    private EmbeddedBroker? _broker;
    private MqttConnection? _connection;

    public int Port { get; } = TestPorts.Free();

    /// <summary>Key pairs: "gw" is this gateway's, which its devices trust.</summary>
    public TestKeys Keys => new(_dir);

    public async Task StartAsync()
    {
        _signer = Keys.Signer("gw");
        _broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = Port }, NullLogger.Instance);
        await _broker.StartAsync();
        _connection = new MqttConnection(new MqttConnectionOptions { Port = Port, ClientId = "test-gateway" }, NullLogger.Instance);
        await _connection.SubscribeAsync("edgefl/v1/gw/devices/#", MqttQos.AtLeastOnce, (m, _) =>
        {
            _inbox.Writer.TryWrite((m.Topic, System.Buffers.BuffersExtensions.ToArray(m.Payload)));
            return Task.CompletedTask;
        });
        await _connection.StartAsync();
        await _connection.WaitConnectedAsync().WaitAsync(Timeout);
    }

    /// <summary>A device of this gateway; it trusts the gateway's key unless <paramref name="options"/> say otherwise.</summary>
    public DeviceAgent Agent(string id, ILocalTrainer trainer, IPowerSource power, DeviceOptions? options = null, DeviceProfile? profile = null)
    {
        var o = options ?? new DeviceOptions();
        o.DeviceId = id;
        o.GatewayId = "gw";
        o.BrokerPort = Port;
        o.Signing.GatewayPublicKeyPath ??= Keys.PublicKey("gw");
        return new DeviceAgent(o, profile ?? new DeviceProfile(), trainer, power, NullLogger.Instance);
    }

    /// <summary>Publishes the round's model, signed and retained, as the gateway does.</summary>
    public Task PublishModelAsync(ModelState model, long round, IReadOnlyList<string>? selected = null) =>
        PublishRawAsync(_signer!.Encode(Model(model, round, selected)));

    /// <summary>The model message of a round, as the gateway builds it.</summary>
    public static ModelMessage Model(ModelState model, long round, IReadOnlyList<string>? selected = null) =>
        new("m", round, "gw", 0, DateTimeOffset.UtcNow, model, selected);

    /// <summary>Publishes any payload on the model topic, retained.</summary>
    public Task PublishRawAsync(byte[] payload) =>
        _connection!.PublishAsync(_topics.GatewayModel("gw"), payload, MqttQos.AtLeastOnce, retain: true);

    /// <summary>The next message on a device topic ending in <paramref name="leaf"/> that decodes.</summary>
    public async Task<T> NextAsync<T>(string leaf, Func<byte[], T?> decode)
        where T : class
    {
        using var cts = new CancellationTokenSource(Timeout);
        await foreach (var (topic, payload) in _inbox.Reader.ReadAllAsync(cts.Token))
        {
            if (topic.EndsWith("/" + leaf, StringComparison.Ordinal) && decode(payload) is { } message)
            {
                return message;
            }
        }

        throw new TimeoutException($"no {leaf} message");
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _signer?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
