using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Bench;

/// <summary>
/// N light gateways for the cloud-sync figure: one MQTT connection each (the project's <see cref="MqttConnection"/>,
/// 1 MiB socket buffers, persistent session off), subscribed to its acknowledgement topic and to the global model.
/// Each sends a pre-encoded <c>upload</c> when told and counts the cloud's acknowledgements and the global models of
/// the awaited round received; the same connections move the baseline's bytes to a plain subscriber.
/// </summary>
internal sealed class SimulatedGateways : IAsyncDisposable
{
    private readonly List<MqttConnection> _connections = [];
    private readonly TopicScheme _topics = new();
    private TaskCompletionSource _allAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expectedAcks;
    private int _applied;
    private readonly HashSet<string> _acked = new(StringComparer.Ordinal);
    private int _refused;
    private long _awaitedRound = long.MaxValue;
    private int _globals;
    private TaskCompletionSource _allGlobals = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SimulatedGateways()
    {
    }

    /// <summary>The baseline's model-sized message from one plain client to every gateway.</summary>
    public const string BaselineDownTopic = "bench/baseline-down";

    private int _baselineDown;
    private readonly TaskCompletionSource _allBaselineDown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when every gateway has received one message on <see cref="BaselineDownTopic"/>.</summary>
    public Task AllHaveBaselineDown => _allBaselineDown.Task;

    /// <summary>The id of simulated gateway <paramref name="index"/>.</summary>
    public static string Id(int index) => $"sgw{index:D5}";

    /// <summary>Acknowledgements saying applied (accepted or duplicate).</summary>
    public int Applied => Volatile.Read(ref _applied);

    /// <summary>Acknowledgements saying refused.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Completes when <see cref="ExpectAcks"/>'s count of acknowledgements has arrived.</summary>
    public Task AllAcked => _allAcked.Task;

    public int Count => _connections.Count;

    /// <summary>Connects <paramref name="count"/> gateways to the broker at <paramref name="port"/>, a few at a time.</summary>
    public static async Task<SimulatedGateways> ConnectAsync(int port, int count, CancellationToken cancellationToken)
    {
        var gateways = new SimulatedGateways();
        for (int g = 0; g < count; g++)
        {
            string id = Id(g);
            var connection = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = id + "-uplink" }, NullLogger.Instance);
            await connection.SubscribeAsync(gateways._topics.CloudAck(id), MqttQos.AtLeastOnce, (m, _) => gateways.OnAck(m.Payload), cancellationToken).ConfigureAwait(false);
            await connection.SubscribeAsync(gateways._topics.CloudGlobalModel, MqttQos.AtLeastOnce, (m, _) => gateways.OnGlobal(m.Payload), cancellationToken).ConfigureAwait(false);
            await connection.SubscribeAsync(BaselineDownTopic, MqttQos.AtLeastOnce, (_, _) => gateways.OnBaselineDown(), cancellationToken).ConfigureAwait(false);
            await connection.StartAsync(cancellationToken).ConfigureAwait(false);
            gateways._connections.Add(connection);
            if (g % 50 == 49)
            {
                await connection.WaitConnectedAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var c in gateways._connections)
        {
            await c.WaitConnectedAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
        }

        return gateways;
    }

    /// <summary>Completes when every gateway has received the global model of <see cref="ExpectAcks"/>'s round (or a later one).</summary>
    public Task AllHaveGlobal => _allGlobals.Task;

    /// <summary>Resets the counts; <see cref="AllAcked"/> completes after <paramref name="count"/> more acknowledgements, <see cref="AllHaveGlobal"/> when every gateway has the global model of <paramref name="round"/>.</summary>
    public void ExpectAcks(int count, long round)
    {
        Volatile.Write(ref _globals, 0);
        _allGlobals = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _awaitedRound, round);
        _expectedAcks = count;
        Volatile.Write(ref _applied, 0);
        lock (_acked)
        {
            _acked.Clear();
        }

        Volatile.Write(ref _refused, 0);
        _allAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Publishes that failed (no PUBACK in time, connection lost) and were sent again.</summary>
    public int Resent => Volatile.Read(ref _resent);

    private int _resent;

    /// <summary>
    /// Every gateway publishes its payload on its topic at once (QoS 1); returns when the broker took them all. A publish
    /// that fails (its PUBACK did not come within the client's timeout, the connection dropped) is sent again, as a
    /// gateway's outbox does: the cloud acknowledges a second copy of an applied upload as a duplicate.
    /// </summary>
    public Task PublishAllAsync(Func<int, string> topicFor, Func<int, byte[]> payloadFor, CancellationToken cancellationToken) =>
        Task.WhenAll(_connections.Select((c, g) => PublishUntilTakenAsync(c, topicFor(g), payloadFor(g), cancellationToken)));

    private async Task PublishUntilTakenAsync(MqttConnection connection, string topic, byte[] payload, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await connection.PublishAsync(topic, payload, MqttQos.AtLeastOnce, false, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _resent);
                await connection.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task OnAck(ReadOnlySequence<byte> payload)
    {
        if (WireCodec.TryDecodeAck(payload, DecodeLimits.Default with { MaxPayloadBytes = 4096, MaxTensors = 0 }, out var ack, out _)
            && FirstAckOf(ack!.GatewayId))
        {
            int total = ack!.IsApplied ? Interlocked.Increment(ref _applied) + Refused : Interlocked.Increment(ref _refused) + Applied;
            if (total >= _expectedAcks)
            {
                _allAcked.TrySetResult();
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>True for a gateway's first acknowledgement since <see cref="ExpectAcks"/> (a resent upload is acknowledged twice).</summary>
    private bool FirstAckOf(string gatewayId)
    {
        lock (_acked)
        {
            return _acked.Add(gatewayId);
        }
    }

    private Task OnGlobal(ReadOnlySequence<byte> payload)
    {
        if (WireCodec.TryDecodeModel(payload, DecodeLimits.Default with { MaxPayloadBytes = long.MaxValue }, out var model, out _)
            && model!.Round == Interlocked.Read(ref _awaitedRound)
            && Interlocked.Increment(ref _globals) == _connections.Count)
        {
            _allGlobals.TrySetResult();
        }

        return Task.CompletedTask;
    }

    private Task OnBaselineDown()
    {
        if (Interlocked.Increment(ref _baselineDown) == _connections.Count)
        {
            _allBaselineDown.TrySetResult();
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_connections.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
