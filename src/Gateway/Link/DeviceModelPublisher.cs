using System.Collections.Concurrent;
using EdgeFL.Core.Messages;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Link;

/// <summary>
/// Publishes each round's model to the devices (docs/PROTOCOL.md 4.3 and 6.4): whole and retained when it fits
/// <c>Gateway:Broker:Chunking:MaxPayloadBytes</c> (or that is 0), else in chunks, not retained. Since a chunked model
/// is not retained, a device that comes online (its status says online after it did not, or the gateway had not seen it)
/// gets the current chunked model published again on the model topic; devices that have it already ignore it
/// (same round and <c>issued_at</c>). So does every (re)connect of the gateway's own client. Such replays are
/// coalesced: one at a time, at most one more waiting.
/// </summary>
internal sealed class DeviceModelPublisher(string gatewayId, string topic, long maxPayloadBytes, ILogger logger)
{
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> _online = new(StringComparer.Ordinal);
    private CurrentModel? _chunked;
    private bool _retainedCleared;
    private int _replayWaiting;
    private long _replays;

    /// <summary>Chunked models published again for devices that came online (or after the gateway's client reconnected).</summary>
    public long Replays => Interlocked.Read(ref _replays);

    /// <summary>True when a model of <paramref name="bytes"/> goes in chunks.</summary>
    public bool IsChunked(long bytes) => maxPayloadBytes > 0 && bytes > maxPayloadBytes;

    /// <summary>Publishes round <paramref name="round"/>'s model once (the caller retries a failure).</summary>
    public async Task PublishAsync(MqttConnection connection, long round, byte[] payload, CancellationToken cancellationToken)
    {
        await _publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsChunked(payload.Length))
            {
                await connection.PublishAsync(topic, payload, MqttQos.AtLeastOnce, retain: true, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _chunked, null);
                _retainedCleared = false; // a later chunked model clears this one
                return;
            }

            if (!_retainedCleared)
            {
                // A whole model retained before (chunking was off, or a smaller model) would reach late devices as the current one.
                await connection.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, MqttQos.AtLeastOnce, retain: true, cancellationToken).ConfigureAwait(false);
                _retainedCleared = true;
            }

            Volatile.Write(ref _chunked, new CurrentModel(round, payload));
            await ChunkedPublisher.PublishAsync(connection, topic, payload, MqttQos.AtLeastOnce, retain: false, maxPayloadBytes, logger, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>
    /// Takes a device's status: when it came online and the current model went in chunks, publishes that model again
    /// (in the background, on <paramref name="connection"/>).
    /// </summary>
    public void OnStatus(DeviceStatus status, MqttConnection? connection, CancellationToken cancellationToken)
    {
        bool wasOnline = _online.TryGetValue(status.DeviceId, out bool before) && before;
        _online[status.DeviceId] = status.Online;
        if (!status.Online || wasOnline || connection is null || Volatile.Read(ref _chunked) is null)
        {
            return;
        }

        Replay(connection, status.DeviceId, cancellationToken);
    }

    /// <summary>
    /// After the gateway's own client (re)connected: devices may have come back while it was away, so presence starts
    /// afresh (every device's next <c>online</c> counts as coming online) and the current chunked model goes out again.
    /// </summary>
    public Task OnConnectedAsync(MqttConnection connection, CancellationToken cancellationToken)
    {
        _online.Clear();
        if (Volatile.Read(ref _chunked) is not null)
        {
            Replay(connection, deviceId: null, cancellationToken);
        }

        return Task.CompletedTask;
    }

    private void Replay(MqttConnection connection, string? deviceId, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _replayWaiting, 1, 0) == 0)
        {
            _ = Task.Run(() => ReplayAsync(connection, deviceId, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ReplayAsync(MqttConnection connection, string? deviceId, CancellationToken cancellationToken)
    {
        try
        {
            await _publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            // Devices that come online from now on need a replay that starts after their subscription: another one.
            Interlocked.Exchange(ref _replayWaiting, 0);
            if (Volatile.Read(ref _chunked) is not { } current)
            {
                return;
            }

            if (deviceId is null)
            {
                DeviceLinkLog.ReplayingModelAfterReconnect(logger, gatewayId, current.Round, current.Payload.Length);
            }
            else
            {
                DeviceLinkLog.ReplayingModel(logger, gatewayId, current.Round, deviceId, current.Payload.Length);
            }

            await ChunkedPublisher.PublishAsync(connection, topic, current.Payload, MqttQos.AtLeastOnce, retain: false, maxPayloadBytes, logger, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _replays);
        }
#pragma warning disable CA1031 // A replay that fails is made up by the next device's connect or the next round; the link logs its own failures.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                DeviceLinkLog.ReplayFailed(logger, gatewayId, deviceId ?? "every device", e.Message);
            }
        }
        finally
        {
            _publishing.Release();
        }
    }

    private sealed record CurrentModel(long Round, byte[] Payload);
}
