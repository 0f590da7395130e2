using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Gateway.State;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.Hosting;
using EdgeFL.Gateway.Selection;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Security;
using EdgeFL.Gateway.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway;

/// <summary>
/// The gateway daemon: hosts the devices' broker (or joins an external one), runs rounds, and every
/// <see cref="RoundOptions.SyncEvery"/> rounds hands the edge model to the cloud and adopts the global model.
/// </summary>
internal sealed class GatewayWorker : BackgroundService
{
    private readonly GatewayOptions _options;
    private readonly RoundCoordinator _rounds;
    private readonly FleetView _fleet;
    private readonly IModelSeed _seed;
    private readonly ModelSigner _signer;
    private readonly GatewayStateStore _store;
    private readonly DurableOutbox _outbox;
    private readonly ICloudUplink? _uplink;
    private readonly IEnumerable<IGatewayObserver> _observers;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly GatewayHealth _health;
    private readonly FleetTelemetry _telemetry;
    private readonly ParticipantSelector _selector;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TopicScheme _topics;
    private readonly DecodeLimits _controlLimits = DecodeLimits.Default with { MaxPayloadBytes = 64 * 1024, MaxTensors = 0 };
    private readonly SemaphoreSlim _progress = new(0, int.MaxValue);
    private readonly ServiceCredential _serviceCredential;
    private EmbeddedBroker? _broker;
    private MqttConnection? _connection;
    private long _lastAdoptedGlobal = -1;
    private long _samplesSinceSync;
    private GatewaySnapshot? _resume;

    public GatewayWorker(
        IOptions<GatewayOptions> options,
        RoundCoordinator rounds,
        FleetView fleet,
        IModelSeed seed,
        ModelSigner signer,
        GatewayStateStore store,
        DurableOutbox outbox,
        IEnumerable<ICloudUplink> uplinks,
        IEnumerable<IGatewayObserver> observers,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        ILoggerFactory loggers,
        GatewayHealth health,
        FleetTelemetry telemetry,
        ParticipantSelector selector)
    {
        _health = health;
        _telemetry = telemetry;
        _selector = selector;
        _time = time;
        _options = options.Value;
        _rounds = rounds;
        _fleet = fleet;
        _seed = seed;
        _signer = signer;
        _store = store;
        _outbox = outbox;
        _uplink = uplinks.FirstOrDefault();
        _observers = observers;
        _lifetime = lifetime;
        _loggers = loggers;
        _logger = loggers.CreateLogger<GatewayWorker>();
        _topics = new TopicScheme(_options.TopicPrefix);
        _rounds.Progress += Wake;
        _fleet.Changed += Wake;
        _serviceCredential = new ServiceCredential(CoordinatorClientId);
    }

    private string CoordinatorClientId =>
        string.IsNullOrEmpty(_options.Broker.ClientId) ? $"{_options.GatewayId}-coordinator" : _options.Broker.ClientId;

    /// <summary>The embedded broker, when this gateway hosts one (tests and the demo read its counters).</summary>
    public EmbeddedBroker? Broker => _broker;

    /// <summary>The gateway's own client connection (tests read its receive budget).</summary>
    internal MqttConnection? Connection => _connection;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The broker listens before the host reports started (and, under systemd, before READY=1).
        if (_options.Broker.Embedded)
        {
            _broker = new EmbeddedBroker(
                new EmbeddedBrokerOptions
                {
                    BindAddress = _options.Broker.BindAddress,
                    Port = _options.Broker.Port,
                    MaxMessageBytes = _options.Updates.MaxBytes,
                    ReceiveBudgetBytes = _options.Broker.ReceiveBudgetBytes ?? EmbeddedBrokerOptions.DefaultReceiveBudgetBytes,
                    ReceiveBudgetStallTimeout = _options.Broker.ReceiveBudgetStallTimeout,
                    Tls = _options.Broker.Tls,
                },
                _loggers.CreateLogger<EmbeddedBroker>(),
                CreateAccessPolicy(),
                _time);

            // Updates are taken in the broker's receive path: checked, journaled and folded in before the
            // device's PUBACK, without a loopback subscription's two extra copies and queue of every update.
            // The payload is the broker's, lent for the call only (RoundCoordinator.OnUpdate keeps nothing of it).
            _broker.AddLocalConsumer(_topics.DeviceUpdateFilter(_options.GatewayId), OnUpdate);

            // Status, declines and telemetry too, rather than through a subscription of the gateway's own client:
            // MQTTnet 5.2 reads the retained messages for a SUBSCRIBE before it registers the subscription, so a
            // device's retained online status published in that moment (a device connecting as the gateway starts)
            // reached neither the retained read nor the subscribers, and the gateway never saw the device online.
            _broker.AddLocalConsumer(_topics.DeviceStatusFilter(_options.GatewayId), m => OnStatusAsync(m, CancellationToken.None));
            _broker.AddLocalConsumer(_topics.DeviceDeclineFilter(_options.GatewayId), m => OnDeclineAsync(m, CancellationToken.None));
            _broker.AddLocalConsumer(_topics.DeviceTelemetryFilter(_options.GatewayId), m => _telemetry.OnMessageAsync(m, CancellationToken.None));
            await _broker.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    private ClientAccessPolicy CreateAccessPolicy()
    {
        CredentialFile? devices = null;
        if (!_options.Broker.AllowAnonymous)
        {
            devices = new CredentialFile(_options.Broker.CredentialsPath, _time);
            devices.LoadOrThrow();
            GatewayLog.DeviceCredentials(_logger, devices.Path, devices.Ids.Count);
        }

        return new ClientAccessPolicy(_serviceCredential, devices, new DeviceTopicRules(_topics, _options.GatewayId), _options.Broker.AllowAnonymous);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_uplink is not null)
        {
            await _uplink.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string gatewayId = _options.GatewayId;
        _connection = new MqttConnection(
            new MqttConnectionOptions
            {
                Host = _options.Broker.Embedded ? EmbeddedBrokerOptions.LoopbackFor(_options.Broker.BindAddress) : _options.Broker.Host,
                Port = _options.Broker.Port,
                ClientId = CoordinatorClientId,
                Username = _options.Broker.Embedded ? ServiceCredential.Username : _options.Broker.Username,
                Password = _options.Broker.Embedded
                    ? _serviceCredential.Password
                    : SecretFile.Resolve(_options.Broker.Password, _options.Broker.PasswordFile, GatewayOptions.Section + ":Broker:PasswordFile"),
                Tls = _options.Broker.Embedded ? new MqttTlsOptions() : _options.Broker.ClientTls,
                SocketBufferBytes = _options.Broker.SocketBufferBytes,
                ReceiveMaximum = (ushort)_options.Broker.ReceiveMaximum,
                // With an external broker the updates come through this connection: the same budget as the embedded broker's.
                ReceiveBudgetBytes = _options.Broker.Embedded ? 0 : _options.Broker.ReceiveBudgetBytes ?? EmbeddedBrokerOptions.DefaultReceiveBudgetBytes,
                ReceiveBudgetStallTimeout = _options.Broker.ReceiveBudgetStallTimeout,
            },
            _loggers.CreateLogger<MqttConnection>());
        if (!_options.Broker.Embedded)
        {
            // With an external broker the device messages come through this client (the embedded broker hands them over in its receive path).
            await _connection.SubscribeAsync(_topics.DeviceStatusFilter(gatewayId), MqttQos.AtLeastOnce, OnStatusAsync, stoppingToken).ConfigureAwait(false);
            await _connection.SubscribeAsync(_topics.DeviceDeclineFilter(gatewayId), MqttQos.AtLeastOnce, OnDeclineAsync, stoppingToken).ConfigureAwait(false);
            await _connection.SubscribeAsync(_topics.DeviceUpdateFilter(gatewayId), MqttQos.AtLeastOnce, OnUpdateAsync, stoppingToken).ConfigureAwait(false);
            await _connection.SubscribeAsync(_topics.DeviceTelemetryFilter(gatewayId), MqttQos.AtMostOnce, _telemetry.OnMessageAsync, stoppingToken).ConfigureAwait(false);
        }

        await _connection.StartAsync(stoppingToken).ConfigureAwait(false);
        if (_uplink is not null)
        {
            await _uplink.StartAsync(stoppingToken).ConfigureAwait(false);
        }

        if (_signer.Generated)
        {
            GatewayLog.SigningKeyGenerated(_logger, gatewayId, _signer.KeyId, _signer.KeyPath, SigningKeyFiles.PublicKeyPathFor(_signer.KeyPath!));
        }
        else
        {
            GatewayLog.SigningWith(_logger, gatewayId, _signer.KeyId, _signer.KeyPath);
        }

        // READY=1 under systemd: the broker listens and our own client got through to it.
        await _connection.WaitConnectedAsync(stoppingToken).ConfigureAwait(false);
        _health.Ready(gatewayId, _broker, _connection);

        try
        {
            await SeedAsync(stoppingToken).ConfigureAwait(false);
            await RunRoundsAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (AdoptSavedState(_store, _rounds, _logger, _options.GatewayId) is { } saved)
        {
            _lastAdoptedGlobal = saved.LastAdoptedGlobal;
            _samplesSinceSync = saved.SamplesSinceSync;
            if (saved.OpenRound == saved.Version + 1)
            {
                _resume = saved;
            }

            GatewayLog.Resumed(_logger, _options.GatewayId, saved.Version, saved.OpenRound ?? 0, saved.Journal.Count, _outbox.Count);
            return;
        }

        var seed = await _seed.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (seed is not null)
        {
            if (_rounds.Adopt(seed) is { IsAccepted: false } refused)
            {
                throw new InvalidDataException($"the model of {GatewayOptions.Section}:InitialModelPath cannot be used: {refused}");
            }
        }
        else
        {
            // Validated at start: without a seed file the cloud uplink is enabled.
            GatewayLog.WaitingForInitialModel(_logger, _options.GatewayId);
            seed = await WaitForFirstGlobalAsync(cancellationToken).ConfigureAwait(false);
        }

        _store.SaveAdopted(seed, seed.Round, _lastAdoptedGlobal);
        GatewayLog.Seeded(_logger, _options.GatewayId, seed.ModelId, seed.Round);
    }

    /// <summary>The first global model from the cloud that is fit to adopt (an unfit one is logged and a newer one awaited).</summary>
    private async Task<ModelMessage> WaitForFirstGlobalAsync(CancellationToken cancellationToken)
    {
        long minRound = 0;
        while (true)
        {
            var global = (await _health.Loop.TickWhile(_uplink!.WaitForGlobalAsync(minRound, Timeout.InfiniteTimeSpan, cancellationToken), cancellationToken).ConfigureAwait(false))!;
            _lastAdoptedGlobal = global.Round;
            if (_rounds.Adopt(global) is not { IsAccepted: false } refused)
            {
                return global;
            }

            GatewayLog.GlobalRefused(_logger, _options.GatewayId, global.Round, refused.ToString());
            minRound = global.Round < long.MaxValue ? global.Round + 1 : throw new InvalidDataException($"the cloud's global model of round {global.Round} cannot be used: {refused}");
        }
    }

    /// <summary>
    /// The saved state, its model adopted. Null when there is none, or when it is unreadable or unfit
    /// (logged, and discarded): the gateway then starts from its seed, as on a first start.
    /// </summary>
    internal static GatewaySnapshot? AdoptSavedState(GatewayStateStore store, RoundCoordinator rounds, ILogger logger, string gatewayId)
    {
        GatewaySnapshot? saved;
        try
        {
            saved = store.Load();
        }
        catch (InvalidDataException ex)
        {
            GatewayLog.StateUnreadable(logger, gatewayId, ex.Message);
            store.Discard();
            return null;
        }

        if (saved is not null && rounds.Adopt(saved.Model with { Round = saved.Version }) is { IsAccepted: false } refused)
        {
            GatewayLog.StateUnreadable(logger, gatewayId, $"the saved model is unfit: {refused}");
            store.Discard();
            return null;
        }

        return saved;
    }

    private async Task RunRoundsAsync(CancellationToken cancellationToken)
    {
        long roundsRun = 0;
        await WaitForDevicesAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested && (_options.Rounds.MaxRounds == 0 || roundsRun < _options.Rounds.MaxRounds))
        {
            _health.Loop.Tick();
            await _health.StallIfConfiguredAsync(roundsRun, cancellationToken).ConfigureAwait(false);
            ModelMessage model;
            if (_resume is { } resume)
            {
                // Reopen the round that was open at the crash, with the same issue time (devices that
                // answered it do not train again), and fold back the updates it had accepted. Every
                // device may answer it: the selection of the lost process is not kept.
                _resume = null;
                model = _rounds.BeginRound(selected: null, issuedAt: resume.OpenIssuedAt);
                int replayed = _rounds.Replay(resume.Journal);
                GatewayLog.RoundResumed(_logger, _options.GatewayId, model.Round, replayed);
            }
            else
            {
                AdoptNewerGlobal();
                model = _rounds.BeginRound(_selector.Choose(_rounds.Version + 1, _fleet.OnlineDevices()));
            }

            GatewayLog.RoundOpened(_logger, _options.GatewayId, model.Round);
            SizeReceiveBudget(model.Model);
            await PublishModelAsync(model, cancellationToken).ConfigureAwait(false);
            var reason = await WaitForCloseAsync(cancellationToken).ConfigureAwait(false);
            var result = _rounds.CloseRound(reason);
            roundsRun++;
            _samplesSinceSync += result.Samples;
            bool sync = _uplink is not null && reason != RoundCloseReason.Stopping && result.Round % _options.Rounds.SyncEvery == 0;
            var upload = PersistClosedRound(result.Round, sync);
            GatewayLog.RoundClosed(_logger, result.GatewayId, result.Round, reason.ToString(), result.Accepted, result.Declined, result.Rejected, result.Samples, result.MeanLoss);
            foreach (var observer in _observers)
            {
                observer.RoundCompleted(result);
            }

            if (reason == RoundCloseReason.Stopping)
            {
                return;
            }

            if (upload is not null)
            {
                await WaitForGlobalAsync(upload, cancellationToken).ConfigureAwait(false);
            }

            if (_options.Rounds.Pause > TimeSpan.Zero)
            {
                await _health.Loop.TickWhile(Task.Delay(_options.Rounds.Pause, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }

        GatewayLog.Finished(_logger, _options.GatewayId, roundsRun);
        foreach (var observer in _observers)
        {
            observer.Finished(_options.GatewayId, _rounds.Version);
        }

        _lifetime.StopApplication();
    }

    /// <summary>
    /// One transaction: the closed round's model and counters, and on a sync round the upload in the
    /// outbox, so a crash cannot keep the round but lose its upload (or the reverse).
    /// </summary>
    private GatewayUpload? PersistClosedRound(long round, bool sync)
    {
        var edge = _rounds.Snapshot(_samplesSinceSync);
        GatewayUpload? upload = null;
        bool queued = _store.Database.InTransaction((c, tx) =>
        {
            if (sync)
            {
                long sequence = _store.NextUploadSequence(c, tx);
                upload = new GatewayUpload(
                    _options.GatewayId,
                    GatewayUpload.MakeUploadId(_options.GatewayId, sequence),
                    sequence,
                    edge.ModelId,
                    round,
                    Math.Max(1, _samplesSinceSync),
                    edge.IssuedAt,
                    edge.Model);
                var (topic, payload, key) = _uplink!.Prepare(upload);
                if (!_outbox.Enqueue(c, tx, topic, payload, key).Queued)
                {
                    GatewayLog.UploadFailed(_logger, _options.GatewayId, round, "larger than Gateway:Outbox:MaxBytes");
                    upload = null;
                }
            }

            _store.CloseRound(c, tx, edge, round, sync ? 0 : _samplesSinceSync);
            return upload is not null;
        });
        if (sync)
        {
            _samplesSinceSync = 0;
        }

        if (queued)
        {
            _outbox.NotifyEnqueued();
        }

        return upload;
    }

    private async Task WaitForGlobalAsync(GatewayUpload upload, CancellationToken cancellationToken)
    {
        long round = upload.Round;
        var global = await _health.Loop.TickWhile(_uplink!.WaitForGlobalAsync(round, _options.Rounds.GlobalModelTimeout, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (global is null)
        {
            GatewayLog.GlobalTimeout(_logger, _options.GatewayId, round, _options.Rounds.GlobalModelTimeout);
            return;
        }

        AdoptNewerGlobal();
    }

    /// <summary>
    /// Unless <c>Gateway:Broker:ReceiveBudgetBytes</c> is set, sizes the receive budget to one update of the
    /// model being trained (<see cref="ReceiveBudgetSizing"/>), so that a round costs a model or two of memory
    /// above idle whatever the model's size.
    /// </summary>
    private void SizeReceiveBudget(Core.Models.ModelState model)
    {
        if (_options.Broker.ReceiveBudgetBytes is not null)
        {
            return;
        }

        long bytes = ReceiveBudgetSizing.ForModel(model.DataBytes);
        long current = _broker?.ReceiveBudgetBytes ?? _connection?.ReceiveBudgetBytes ?? 0;
        if (current == bytes || current == 0)
        {
            return;
        }

        _broker?.ResizeReceiveBudget(bytes);
        _connection?.ResizeReceiveBudget(bytes);
        GatewayLog.ReceiveBudgetSized(_logger, _options.GatewayId, bytes, model.DataBytes);
    }

    private void AdoptNewerGlobal()
    {
        if (_uplink?.LatestGlobal is not { } global || global.Round <= _lastAdoptedGlobal)
        {
            return;
        }

        _lastAdoptedGlobal = global.Round;
        if (_rounds.Adopt(global) is { IsAccepted: false } refused)
        {
            GatewayLog.GlobalRefused(_logger, _options.GatewayId, global.Round, refused.ToString());
            return;
        }

        _store.SaveAdopted(_rounds.Snapshot(_samplesSinceSync), _rounds.Version, _lastAdoptedGlobal);
        GatewayLog.GlobalAdopted(_logger, _options.GatewayId, global.Round);
        foreach (var observer in _observers)
        {
            observer.GlobalModelAdopted(_options.GatewayId, global);
        }
    }

    private async Task PublishModelAsync(ModelMessage model, CancellationToken cancellationToken)
    {
        byte[] payload = _signer.Encode(model);
        while (true)
        {
            _health.Loop.Tick();
            try
            {
                await _connection!.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
                await _connection.PublishAsync(_topics.GatewayModel(_options.GatewayId), payload, MqttQos.AtLeastOnce, retain: true, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is MqttNotConnectedException or MqttPublishRejectedException)
            {
                GatewayLog.ModelPublishFailed(_logger, _options.GatewayId, model.Round, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WaitForDevicesAsync(CancellationToken cancellationToken)
    {
        int wanted = _options.Rounds.WaitForDevices;
        if (wanted == 0)
        {
            return;
        }

        var timeout = _options.Rounds.WaitForDevicesTimeout;
        GatewayLog.WaitingForDevices(_logger, _options.GatewayId, wanted, timeout);
        long started = _time.GetTimestamp();
        while (true)
        {
            _health.Loop.Tick();
            int online = _fleet.OnlineDevices().Count;
            if (online >= wanted)
            {
                GatewayLog.DevicesOnline(_logger, _options.GatewayId, online, wanted);
                return;
            }

            var remaining = timeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                GatewayLog.WaitForDevicesTimedOut(_logger, _options.GatewayId, online, wanted, timeout);
                return;
            }

            // Woken by every status change; the 1 s cap keeps the watchdog fed.
            await _progress.WaitAsync(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<RoundCloseReason> WaitForCloseAsync(CancellationToken cancellationToken)
    {
        long opened = _time.GetTimestamp();
        while (true)
        {
            _health.Loop.Tick();
            if (_rounds.IsQuorumReached(_fleet.OnlineDevices()))
            {
                return RoundCloseReason.Quorum;
            }

            var remaining = _options.Rounds.Deadline - _time.GetElapsedTime(opened);
            if (remaining <= TimeSpan.Zero)
            {
                return RoundCloseReason.Deadline;
            }

            try
            {
                await _progress.WaitAsync(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return RoundCloseReason.Stopping;
            }
        }
    }

    private Task OnUpdateAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        OnUpdate(message);
        return Task.CompletedTask;
    }

    private void OnUpdate(InboundMessage message)
    {
        string? deviceId = _topics.DeviceIdFrom(message.Topic);
        if (deviceId is not null)
        {
            _rounds.OnUpdate(deviceId, message.Payload);
        }
    }

    private Task OnStatusAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        string? deviceId = _topics.DeviceIdFrom(message.Topic);
        if (deviceId is null || message.Payload.IsEmpty)
        {
            return Task.CompletedTask;
        }

        if (WireCodec.TryDecodeStatus(message.Payload, _controlLimits, out var status, out var error) && status!.DeviceId == deviceId)
        {
            _fleet.Apply(status);
        }
        else
        {
            GatewayLog.MalformedControl(_logger, _options.GatewayId, "status", message.Topic, error.IsError ? error.ToString() : "device id does not match the topic");
        }

        return Task.CompletedTask;
    }

    private Task OnDeclineAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        string? deviceId = _topics.DeviceIdFrom(message.Topic);
        if (deviceId is null)
        {
            return Task.CompletedTask;
        }

        if (WireCodec.TryDecodeDecline(message.Payload, _controlLimits, out var decline, out var error))
        {
            _rounds.OnDecline(deviceId, decline!);
        }
        else
        {
            GatewayLog.MalformedControl(_logger, _options.GatewayId, "decline", message.Topic, error.ToString());
        }

        return Task.CompletedTask;
    }

    private void Wake() => _progress.Release();
}
