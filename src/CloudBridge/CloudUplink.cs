using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge;

/// <summary>
/// The gateway side of the bridge: publishes uploads to the cloud broker with QoS 1 and follows the
/// retained global model. Delivery is online only: an upload made while the cloud is unreachable fails
/// with <see cref="MqttNotConnectedException"/>.
/// </summary>
public sealed class CloudUplink : ICloudUplink, IAsyncDisposable
{
    private readonly CloudUplinkOptions _options;
    private readonly TopicScheme _topics;
    private readonly ILogger _logger;
    private readonly MqttConnection _connection;
    private readonly DecodeLimits _limits;
    private readonly Lock _lock = new();
    private ModelMessage? _latest;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the uplink for one gateway.</summary>
    public CloudUplink(CloudUplinkOptions options, string gatewayId, TopicScheme topics, ILogger logger)
    {
        _options = options;
        _topics = topics;
        _logger = logger;
        _limits = DecodeLimits.Default with { MaxPayloadBytes = options.MaxModelBytes };
        _connection = new MqttConnection(
            new MqttConnectionOptions
            {
                Host = options.Host,
                Port = options.Port,
                ClientId = string.IsNullOrEmpty(options.ClientId) ? $"{gatewayId}-uplink" : options.ClientId,
                Username = options.Username,
                Password = options.Password,
                SocketBufferBytes = options.SocketBufferBytes,
            },
            logger);
    }

    /// <summary>True while connected to the cloud broker.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <inheritdoc />
    public ModelMessage? LatestGlobal
    {
        get { lock (_lock) { return _latest; } }
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _connection.SubscribeAsync(_topics.CloudGlobalModel, MqttQos.AtLeastOnce, OnGlobalAsync, cancellationToken).ConfigureAwait(false);
        await _connection.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task UploadAsync(GatewayUpload upload, CancellationToken cancellationToken = default)
    {
        byte[] payload = WireCodec.Encode(upload);
        await _connection.PublishAsync(_topics.CloudUpload(upload.GatewayId), payload, MqttQos.AtLeastOnce, retain: false, cancellationToken).ConfigureAwait(false);
        CloudLog.Uploaded(_logger, upload.UploadId, upload.Round, upload.TotalSamples, payload.Length);
    }

    /// <inheritdoc />
    public async Task<ModelMessage?> WaitForGlobalAsync(long minRound, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            cts.CancelAfter(timeout);
        }

        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_latest is { } m && m.Round >= minRound)
                {
                    return m;
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken = default) => _connection.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private Task OnGlobalAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (message.Payload.Length > _options.MaxModelBytes)
        {
            CloudLog.GlobalRejected(_logger, $"{message.Payload.Length} bytes > Gateway:Cloud:MaxModelBytes {_options.MaxModelBytes}");
            return Task.CompletedTask;
        }

        if (!WireCodec.TryDecodeModel(message.Payload, _limits, out var model, out var error))
        {
            CloudLog.GlobalRejected(_logger, error.ToString());
            return Task.CompletedTask;
        }

        TaskCompletionSource arrived;
        lock (_lock)
        {
            if (_latest is not null && model!.Round <= _latest.Round)
            {
                return Task.CompletedTask;
            }

            _latest = model;
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        CloudLog.GlobalReceived(_logger, model!.Round, model.TotalSamples);
        arrived.TrySetResult();
        return Task.CompletedTask;
    }
}
