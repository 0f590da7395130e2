using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.Selection;
using EdgeFL.Hosting;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Messaging.Retry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace EdgeFL.Gateway.Link;

/// <summary>
/// The gateway's side of the device network: the embedded broker (or the external broker's client), the
/// intake of device updates, status, declines and telemetry into the rounds and the fleet view, and the
/// publishing of each round's model. Started before the round loop, stopped after it.
/// </summary>
internal sealed class DeviceLink(
    IOptions<GatewayOptions> options,
    GatewayBrokerFactory factory,
    RoundCoordinator rounds,
    FleetView fleet,
    FleetTelemetry telemetry,
    ModelSigner signer,
    ControlRejectionLog rejections,
    GatewayMetrics metrics,
    ILogger<DeviceLink> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>The largest status, decline or telemetry message (each is a few hundred bytes): larger ones are refused by the broker, never retained.</summary>
    internal const int ControlMaxBytes = 4 * 1024;

    private static readonly DecodeLimits ControlLimits = DecodeLimits.Default with { MaxPayloadBytes = ControlMaxBytes, MaxTensors = 0 };
    private readonly GatewayOptions _options = options.Value;
    private readonly TopicScheme _topics = new(options.Value.TopicPrefix);
    private readonly ResiliencePipeline _retry = RetryPolicy.Create(options.Value.Retry, logger, $"gateway {options.Value.GatewayId}: publishing a round's model");

    // Chunked transfer on the device link (PROTOCOL.md 6.4, Gateway:Broker:Chunking): updates reassembled before admission, models sent in chunks.
    private readonly DeviceUpdateChunks _updateChunks = new(options.Value.Broker.Chunking, options.Value.Updates.MaxBytes, logger, metrics.Meter);
    private readonly DeviceModelPublisher _models = new(options.Value.GatewayId, new TopicScheme(options.Value.TopicPrefix).GatewayModel(options.Value.GatewayId), options.Value.Broker.Chunking.MaxPayloadBytes, logger);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The embedded broker, when this gateway hosts one (tests and the demo read its counters).</summary>
    public EmbeddedBroker? Broker { get; private set; }

    /// <summary>Reassembles chunked device updates (its counters: <see cref="ChunkAssembler.Metrics"/>).</summary>
    public ChunkAssembler UpdateChunks => _updateChunks.Assembler;

    /// <summary>Publishes the round's model to the devices, whole or in chunks.</summary>
    public DeviceModelPublisher Models => _models;

    /// <summary>The gateway's own client connection (tests read its receive budget).</summary>
    public MqttConnection? Connection { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The broker listens before the host reports started (and, under systemd, before READY=1).
        Broker = factory.CreateBroker();
        if (Broker is not null)
        {
            string gatewayId = _options.GatewayId;

            // Updates are taken in the broker's receive path: checked, journaled and folded in before the
            // device's PUBACK, without a loopback subscription's two extra copies and queue of every update.
            // The payload is the broker's, lent for the call only (RoundCoordinator.OnUpdate keeps nothing of it).
            // Each device learns from its PUBACK's reason code whether to drop its update or keep it (UpdateVerdicts);
            // updates and declines go no further than this (never delivered on, never retained).
            Broker.AddLocalConsumer(_topics.DeviceUpdateFilter(gatewayId), m => _updateChunks.Take(m, TakeUpdate), forward: false);

            // Status, declines and telemetry too, rather than through a subscription of the gateway's own client:
            // MQTTnet 5.2 reads the retained messages for a SUBSCRIBE before it registers the subscription, so a
            // device's retained online status published in that moment (a device connecting as the gateway starts)
            // reached neither the retained read nor the subscribers, and the gateway never saw the device online.
            Broker.AddLocalConsumer(_topics.DeviceStatusFilter(gatewayId), m => { OnStatus(m); return ConsumerVerdict.Taken(); }, forward: true, ControlMaxBytes);
            Broker.AddLocalConsumer(_topics.DeviceDeclineFilter(gatewayId), m => { OnDecline(m); return ConsumerVerdict.Taken(); }, forward: false, ControlMaxBytes);
            Broker.AddLocalConsumer(_topics.DeviceTelemetryFilter(gatewayId), m => { telemetry.OnMessageAsync(m, CancellationToken.None); return ConsumerVerdict.Taken(); }, forward: true, ControlMaxBytes);
            try
            {
                await Broker.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ServiceRunner.IsAddressInUse(ex))
            {
                var b = _options.Broker;
                string tls = b.Tls.Enabled ? $" (or {GatewayOptions.Section}:Broker:Tls:Port {b.Tls.Port})" : "";
                throw new ServiceStartException($"{GatewayOptions.Section}:Broker:Port {b.Port} on {b.BindAddress}{tls} is already in use by another process", ex);
            }
        }

        Connection = factory.CreateConnection();
        if (Broker is null)
        {
            // With an external broker the device messages come through this client.
            string gatewayId = _options.GatewayId;
            await Connection.SubscribeAsync(_topics.DeviceStatusFilter(gatewayId), MqttQos.AtLeastOnce, Sync(OnStatus), cancellationToken).ConfigureAwait(false);
            await Connection.SubscribeAsync(_topics.DeviceDeclineFilter(gatewayId), MqttQos.AtLeastOnce, Sync(OnDecline), cancellationToken).ConfigureAwait(false);
            await Connection.SubscribeAsync(_topics.DeviceUpdateFilter(gatewayId), MqttQos.AtLeastOnce, _updateChunks.Wrap(Sync(OnUpdate)), cancellationToken).ConfigureAwait(false);
            await Connection.SubscribeAsync(_topics.DeviceTelemetryFilter(gatewayId), MqttQos.AtMostOnce, telemetry.OnMessageAsync, cancellationToken).ConfigureAwait(false);
        }

        var connection = Connection;
        connection.OnConnected(ct => _models.OnConnectedAsync(connection, _stopping.Token));
        await Connection.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (Connection is not null)
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }

        if (Broker is not null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }

        _updateChunks.Dispose();
    }

    /// <summary>Waits until the gateway's own client is connected.</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken) => Connection!.WaitConnectedAsync(cancellationToken);

    /// <summary>
    /// Publishes a round's model, signed and retained (over Gateway:Broker:Chunking:MaxPayloadBytes: in chunks, not
    /// retained), retrying (Gateway:Retry) until it is out or the gateway stops; <paramref name="heartbeat"/> is fed while it waits.
    /// </summary>
    public async Task PublishModelAsync(ModelMessage model, LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        byte[] payload = signer.Encode(model);
        var publish = _retry.ExecuteAsync(
            async ct =>
            {
                await Connection!.WaitConnectedAsync(ct).ConfigureAwait(false);
                await _models.PublishAsync(Connection, model.Round, payload, ct).ConfigureAwait(false);
            },
            cancellationToken);
        await heartbeat.TickWhile(publish.AsTask(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Unless <c>Gateway:Broker:ReceiveBudgetBytes</c> is set, sizes the receive budget to one update of the
    /// model being trained (<see cref="ReceiveBudgetSizing"/>), so that a round costs a model or two of memory
    /// above idle whatever the model's size.
    /// </summary>
    public void SizeReceiveBudget(ModelState model)
    {
        if (_options.Broker.ReceiveBudgetBytes is not null)
        {
            return;
        }

        long bytes = ReceiveBudgetSizing.ForModel(model.DataBytes);
        long current = Broker?.ReceiveBudgetBytes ?? Connection?.ReceiveBudgetBytes ?? 0;
        if (current == bytes || current == 0)
        {
            return;
        }

        Broker?.ResizeReceiveBudget(bytes);
        Connection?.ResizeReceiveBudget(bytes);
        GatewayLog.ReceiveBudgetSized(logger, _options.GatewayId, bytes, model.DataBytes);
    }

    private static Func<InboundMessage, CancellationToken, Task> Sync(Action<InboundMessage> handler) => (message, _) =>
    {
        handler(message);
        return Task.CompletedTask;
    };

    private ConsumerVerdict TakeUpdate(InboundMessage message) =>
        _topics.DeviceIdFrom(message.Topic) is { } deviceId
            ? UpdateVerdicts.For(rounds.Take(deviceId, message.Payload))
            : new ConsumerVerdict(ConsumerAnswer.Refused, "SenderMismatch: not a device update topic");

    private void OnUpdate(InboundMessage message)
    {
        if (_topics.DeviceIdFrom(message.Topic) is { } deviceId)
        {
            rounds.OnUpdate(deviceId, message.Payload);
        }
    }

    private void OnStatus(InboundMessage message)
    {
        string? deviceId = _topics.DeviceIdFrom(message.Topic);
        if (deviceId is null || message.Payload.IsEmpty)
        {
            return;
        }

        if (WireCodec.TryDecodeStatus(message.Payload, ControlLimits, out var status, out var error) && status!.DeviceId == deviceId)
        {
            fleet.Apply(status);
            _models.OnStatus(status, Connection, _stopping.Token);
        }
        else
        {
            rejections.Refused("status", message.Topic, deviceId, error.IsError ? error.ToString() : "device id does not match the topic");
        }
    }

    private void OnDecline(InboundMessage message)
    {
        if (_topics.DeviceIdFrom(message.Topic) is not { } deviceId)
        {
            return;
        }

        if (WireCodec.TryDecodeDecline(message.Payload, ControlLimits, out var decline, out var error))
        {
            rounds.OnDecline(deviceId, decline!);
        }
        else
        {
            rejections.Refused("decline", message.Topic, deviceId, error.ToString());
        }
    }
}
