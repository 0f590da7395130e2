using System.Diagnostics.Metrics;
using System.Threading.Channels;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Telemetry;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using Microsoft.Extensions.Logging;

namespace EdgeFL.DeviceClient;

/// <summary>
/// The device runtime: follows its gateway's model, decides whether it can take part in each round,
/// trains on local data, and publishes its update, buffering updates while offline.
/// </summary>
internal sealed class DeviceAgent : IAsyncDisposable
{
    private readonly DeviceOptions _options;
    private readonly DeviceProfile _profile;
    private readonly ILocalTrainer _trainer;
    private readonly IPowerSource _power;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TopicScheme _topics;
    private readonly MqttConnection _connection;
    private readonly UpdateBuffer _buffer;
    private readonly Storage.StateDatabase? _state;
    private readonly DecodeLimits _limits;
    private readonly ModelVerifier _verifier;
    private readonly RejectionLogLimiter _rejectionLog;
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly Channel<ModelMessage> _models = Channel.CreateBounded<ModelMessage>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private CancellationTokenSource? _stop;
    private Task? _loop;
    private readonly Lock _seenLock = new();
    private (long Round, DateTimeOffset IssuedAt) _lastModelSeen = (-1, default);
    private long _lastRoundSeen = -1;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly DeviceMetrics _metrics;
    private readonly ChunkAssembler _modelChunks;
    private readonly TelemetrySampler _sampler;
    private TelemetryReporter? _reporter;
    private double _energyMah;

    /// <summary>The meter tag naming the device.</summary>
    public const string DeviceIdTag = "edgefl.device.id";

    /// <summary>
    /// Creates a device; it connects on <see cref="StartAsync"/>. Its counters are the instruments of a meter
    /// <c>EdgeFL.Device</c> made by <paramref name="meters"/> (the host's), or of one it makes and disposes.
    /// </summary>
    public DeviceAgent(DeviceOptions options, DeviceProfile profile, ILocalTrainer trainer, IPowerSource power, ILogger logger, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        options.Validate();
        profile.Validate();
        _options = options;
        _profile = profile;
        _trainer = trainer;
        _power = power;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _topics = new TopicScheme(options.TopicPrefix);
        if (options.StateDirectory is { Length: > 0 } dir && dir != Storage.StateDatabase.InMemory)
        {
            _state = Storage.StateDatabase.Open(Storage.StateDatabase.PathIn(dir, "device.db"), UpdateBuffer.Schema, logger);
        }

        _buffer = new UpdateBuffer(options.MaxBufferedUpdates, _state);
        if (_buffer.Discarded > 0)
        {
            DeviceLog.BufferDamaged(logger, options.DeviceId, _buffer.Discarded);
        }

        _limits = DecodeLimits.Default with { MaxPayloadBytes = options.MaxModelBytes };
        string? password = EdgeFL.Messaging.Security.SecretFile.Resolve(options.Password, options.PasswordFile, DeviceOptions.Section + ":PasswordFile");

        _verifier = ModelVerifier.FromFile(options.Signing.GatewayPublicKeyPath, options.Signing.RequireSignedModels);
        _rejectionLog = new RejectionLogLimiter(_time);
        _connection = new MqttConnection(
            new MqttConnectionOptions
            {
                Host = options.BrokerHost,
                Port = options.BrokerPort,
                ClientId = options.DeviceId,
                Username = password is null ? options.Username : options.Username ?? options.DeviceId,
                Password = password,
                Tls = options.Tls,
                SocketBufferBytes = options.SocketBufferBytes,
                Will = new LastWill(_topics.DeviceStatus(options.GatewayId, options.DeviceId), WireCodec.Encode(Status(online: false)), Retain: true),
            },
            logger);
        _connection.OnConnected(OnConnectedAsync);
        _sampler = new TelemetrySampler(options, profile, trainer, power, _time);
        if (power is IObservablePowerSource observable)
        {
            observable.Changed += _ => _reporter?.Trigger();
        }

        _ownsMeter = meters is null;
        _meter = EdgeFlMeters.Create(meters, EdgeFlMeters.Device, new KeyValuePair<string, object?>(DeviceIdTag, options.DeviceId));
        _metrics = new DeviceMetrics(_meter, () => _buffer.Count, () => _buffer.Dropped, () => EnergyMah);

        // Chunked models (PROTOCOL.md 6.4) are reassembled, each whole at most Device:MaxModelBytes, before the signature check.
        _modelChunks = new ChunkAssembler(options.Chunking, options.MaxModelBytes, logger, _meter, "edgefl.device");
    }

    /// <summary>Reassembles chunked models from the gateway (its counters: <see cref="ChunkAssembler.Metrics"/>).</summary>
    public ChunkAssembler ModelChunks => _modelChunks;

    /// <summary>The meter this device's counters are published on.</summary>
    public Meter Meter => _meter;

    /// <summary>How often telemetry is published besides on connect, after each round and on power edges (set before start).</summary>
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>True while the agent's round loop runs (started and not stopped or crashed).</summary>
    public bool IsRunning => _loop is { IsCompleted: false };

    /// <summary>Rounds this device was not selected for (declined with "not-selected").</summary>
    public long RoundsNotSelected => _metrics.Declined.Of(NotSelectedReason);

    /// <summary>The telemetry this device would publish now.</summary>
    public DeviceTelemetry Telemetry => _sampler.Sample(_connection.IsConnected);

    /// <summary>The device id.</summary>
    public string DeviceId => _options.DeviceId;

    /// <summary>True while connected to the gateway's broker.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <summary>Updates waiting for a connection.</summary>
    public int BufferedUpdates => _buffer.Count;

    /// <summary>Rounds trained so far.</summary>
    public long RoundsTrained => _metrics.Trained.Value;

    /// <summary>Rounds declined so far (not counting rounds this device was not selected for).</summary>
    public long RoundsDeclined => _metrics.Declined.Total - RoundsNotSelected;

    /// <summary>Energy spent on training so far, in mAh.</summary>
    public double EnergyMah => Volatile.Read(ref _energyMah);

    /// <summary>The current battery reading.</summary>
    public PowerReading Battery => _power.Read();

    /// <summary>Models from the gateway not loaded, by reason: a signature verdict (Unsigned, BadSignature, ...), TooLarge or a decode error.</summary>
    public IReadOnlyDictionary<string, long> ModelsRejectedByReason => _metrics.ModelsRejected.ByReason;

    /// <summary>Total models from the gateway not loaded.</summary>
    public long ModelsRejected => _metrics.ModelsRejected.Total;

    /// <summary>Raised after each round this device handled (trained or declined).</summary>
    public event Action<DeviceAgent, long, bool>? RoundHandled;

    /// <summary>Connects (in the background, reconnecting as needed) and starts following the gateway's model.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await _connection.SubscribeAsync(_topics.GatewayModel(_options.GatewayId), MqttQos.AtLeastOnce, _modelChunks.Wrap(OnModelAsync), cancellationToken).ConfigureAwait(false);
        if (!_profile.Connected)
        {
            await _connection.GoOfflineAsync(cancellationToken).ConfigureAwait(false);
        }

        await _connection.StartAsync(_stop.Token).ConfigureAwait(false);
        _reporter = new TelemetryReporter(TelemetryInterval, PublishTelemetryAsync);
        _reporter.Start(_stop.Token);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Simulates losing the network link (the broker sees an unclean drop).</summary>
    public Task GoOfflineAsync(CancellationToken cancellationToken = default) => _connection.GoOfflineAsync(cancellationToken);

    /// <summary>Simulates the link coming back; buffered updates are sent once reconnected.</summary>
    public void GoOnline() => _connection.GoOnline();

    /// <summary>Waits until connected.</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken = default) => _connection.WaitConnectedAsync(cancellationToken);

    /// <summary>Stops training and disconnects.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _models.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_reporter is not null)
        {
            await _reporter.DisposeAsync().ConfigureAwait(false);
            _reporter = null;
        }

        // A clean disconnect does not fire the last will: say goodbye so the gateway stops waiting for us.
        await TryPublishAsync(_topics.DeviceStatus(_options.GatewayId, DeviceId), WireCodec.Encode(Status(online: false)), retain: true, cancellationToken).ConfigureAwait(false);
        await _connection.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop?.Dispose();
        _flushLock.Dispose();
        _state?.Dispose();
        _verifier.Dispose();
        _modelChunks.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private Task OnModelAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (message.Payload.IsEmpty)
        {
            return Task.CompletedTask; // a cleared retained message: no model, nothing wrong
        }

        // Signature first: nothing of an unverified model is decoded, let alone trained on.
        if (!_verifier.TryDecode(message.Payload, _limits, out var model, out var rejection))
        {
            RejectModel(rejection);
            return Task.CompletedTask;
        }

        // A retained model comes again on every reconnect: the same (round, issued_at) is handled
        // once. A lower round is not ignored: it is a gateway that restarted from an older state.
        // The channel keeps only the newest model, so a device busy training skips rounds it missed.
        lock (_seenLock)
        {
            if (_lastModelSeen == (model.Round, model.IssuedAt))
            {
                // The same round again: a gateway that restarted and reopened it. An update it could not
                // take before (kept after a PUBACK 0x80) can go now.
                if (_buffer.Count > 0 && _stop is { } stop)
                {
                    var token = stop.Token;
                    _ = Task.Run(() => FlushAsync(token), CancellationToken.None);
                }

                return Task.CompletedTask;
            }

            _lastModelSeen = (model.Round, model.IssuedAt);
        }

        Interlocked.Exchange(ref _lastRoundSeen, model.Round);
        _models.Writer.TryWrite(model);

        return Task.CompletedTask;
    }

    /// <summary>Counts every rejected model; logs at most 5 a minute per reason.</summary>
    private void RejectModel(ModelRejection rejection)
    {
        _metrics.ModelsRejected.Add(rejection.Reason);
        if (_rejectionLog.ShouldLog(rejection.Reason, out long suppressed))
        {
            if (suppressed > 0)
            {
                DeviceLog.ModelRejectionsSuppressed(_logger, DeviceId, suppressed, rejection.Reason);
            }

            DeviceLog.BadModel(_logger, DeviceId, rejection.ToString());
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var model in _models.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await HandleRoundAsync(model, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task HandleRoundAsync(ModelMessage model, CancellationToken cancellationToken)
    {
        var battery = _power.Read();
        string? reason = !_connection.IsConnected ? "offline"
            : model.Selected is { } selected && !selected.Contains(DeviceId, StringComparer.Ordinal) ? NotSelectedReason
            : battery.Level <= _options.MinBatteryLevel && !battery.Charging ? "battery"
            : null;
        if (reason is not null)
        {
            _metrics.Declined.Add(reason);
            if (reason != NotSelectedReason)
            {
                _reporter?.Trigger();
            }

            DeviceLog.Declining(_logger, DeviceId, model.Round, reason);
            await TryPublishAsync(_topics.DeviceDecline(_options.GatewayId, DeviceId), WireCodec.Encode(new RoundDecline(DeviceId, model.Round, reason)), retain: false, cancellationToken).ConfigureAwait(false);
            RoundHandled?.Invoke(this, model.Round, false);
            return;
        }

        if (_trainer is IMemoryAwareTrainer memoryAware)
        {
            memoryAware.FitBatchSize(_sampler.FreeMemoryMb());
        }

        LocalTrainingOutcome outcome;
        try
        {
            outcome = await _trainer.TrainAsync(model.Model, model.Round, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Say so, or the gateway waits for this device until the deadline.
            DeviceLog.TrainingFailed(_logger, DeviceId, model.Round, ex);
            _metrics.Declined.Add("error");
            await TryPublishAsync(_topics.DeviceDecline(_options.GatewayId, DeviceId), WireCodec.Encode(new RoundDecline(DeviceId, model.Round, "error")), retain: false, cancellationToken).ConfigureAwait(false);
            RoundHandled?.Invoke(this, model.Round, false);
            return;
        }

        double seconds = outcome.Elapsed.TotalSeconds;
        if (_options.SimulateCost)
        {
            seconds += EnergyModel.SimulatedTrainingSeconds(_trainer.Epochs, outcome.SampleCount, _trainer.BatchSize, _profile.ComputeFlops);
        }

        double energy = EnergyModel.EnergyMah(seconds);
        _power.Consume(energy);
        _sampler.RecordTraining(seconds);
        _reporter?.Trigger();
        _metrics.Trained.Add();
        AddEnergy(energy);
        DeviceLog.Trained(_logger, DeviceId, model.Round, outcome.SampleCount, outcome.MeanLoss, seconds, energy, _power.Read().Level);

        ModelState state = _options.QuantizeUpdates ? Quantizer.Quantize(outcome.Model) : outcome.Model;
        var update = new DeviceUpdate(DeviceId, model.Round, outcome.SampleCount, outcome.MeanLoss, seconds, energy, _time.GetUtcNow(), state);
        _buffer.Add(new BufferedUpdate(model.Round, WireCodec.Encode(update)));
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_buffer.Count > 0)
        {
            DeviceLog.Buffered(_logger, DeviceId, model.Round, _buffer.Count);
        }

        await TryPublishAsync(_topics.DeviceStatus(_options.GatewayId, DeviceId), WireCodec.Encode(Status(online: true)), retain: true, cancellationToken).ConfigureAwait(false);
        RoundHandled?.Invoke(this, model.Round, true);
    }

    private async Task OnConnectedAsync(CancellationToken cancellationToken)
    {
        await TryPublishAsync(_topics.DeviceStatus(_options.GatewayId, DeviceId), WireCodec.Encode(Status(online: true)), retain: true, cancellationToken).ConfigureAwait(false);
        _reporter?.Trigger();

        // Not awaited here: the connect path must not wait on a publish queue.
        _ = Task.Run(() => FlushAsync(cancellationToken), CancellationToken.None);
    }

    /// <summary>Sends buffered updates oldest first; stops at the first failure and keeps the rest.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_buffer.Peek() is { } next)
            {
                try
                {
                    if (!await TryPublishUpdateAsync(next.Payload, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (MqttPublishRejectedException refused) when (!refused.ShouldKeep)
                {
                    // Refused for good (stale, wrong round, invalid...): sending it again would be refused again.
                    _metrics.UpdatesRefused.Add(refused.ReasonCode);
                    DeviceLog.UpdateRefused(_logger, DeviceId, next.Round, refused.ReasonCode, refused.Reason);
                }

                _buffer.Remove(next);
                if (next.Round != Interlocked.Read(ref _lastRoundSeen))
                {
                    DeviceLog.FlushedBuffered(_logger, DeviceId, next.Round);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _flushLock.Release();
        }
    }

    /// <summary>The decline reason of a device left out of the round's selected list.</summary>
    public const string NotSelectedReason = "not-selected";

    // Retained, so a gateway that restarts has its fleet view at once; stale ones age out there.
    private Task PublishTelemetryAsync(CancellationToken cancellationToken) =>
        TryPublishAsync(_topics.DeviceTelemetry(_options.GatewayId, DeviceId), WireCodec.Encode(_sampler.Sample(_connection.IsConnected)), retain: true, cancellationToken);

    /// <summary>
    /// Publishes one update: true when the gateway took it (or had it already); false when it is to be kept
    /// (not connected, or PUBACK 0x80: no round open yet, the gateway's disk full); throws
    /// <see cref="MqttPublishRejectedException"/> when it was refused for good.
    /// </summary>
    private async Task<bool> TryPublishUpdateAsync(byte[] payload, CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected || _connection.IsOffline)
        {
            return false;
        }

        try
        {
            // Over Device:Chunking:MaxPayloadBytes it goes in chunks; a transfer cut short throws here, and the whole update,
            // still in the buffer, goes again under a new transfer id (the gateway counts a resent update once: Duplicate).
            await ChunkedPublisher.PublishAsync(_connection, _topics.DeviceUpdate(_options.GatewayId, DeviceId), payload, MqttQos.AtLeastOnce, retain: false, _options.Chunking.MaxPayloadBytes, _logger, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (MqttNotConnectedException)
        {
            return false;
        }
        catch (MqttPublishRejectedException kept) when (kept.ShouldKeep)
        {
            _metrics.UpdatesKept.Add();
            DeviceLog.UpdateKept(_logger, DeviceId, kept.Reason);
            return false;
        }
    }

    private async Task<bool> TryPublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected || _connection.IsOffline)
        {
            return false;
        }

        try
        {
            await _connection.PublishAsync(topic, payload, MqttQos.AtLeastOnce, retain, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is MqttNotConnectedException or MqttPublishRejectedException)
        {
            return false;
        }
    }

    private DeviceStatus Status(bool online)
    {
        var reading = _power.Read();
        return new DeviceStatus(_options.DeviceId, online, reading.Level, reading.Charging, _time.GetUtcNow());
    }

    private void AddEnergy(double energy)
    {
        double current, next;
        do
        {
            current = Volatile.Read(ref _energyMah);
            next = current + energy;
        }
        while (Interlocked.CompareExchange(ref _energyMah, next, current) != current);
    }
}
