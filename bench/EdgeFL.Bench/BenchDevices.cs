using System.Collections.Concurrent;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Bench;

/// <summary>
/// D minimal devices written against the protocol (as in the gateway's service tests): status online with a
/// will, and on each new model a pre-encoded update for that round, published QoS 1.
/// </summary>
internal sealed class BenchDevices : IAsyncDisposable
{
    private readonly List<MqttConnection> _connections = [];
    private readonly List<string> _updateTopics = [];
    private readonly TopicScheme _topics = new();

    private BenchDevices()
    {
    }

    private int _modelsReceived;
    private int _updatesAcknowledged;
    private long _highestRound;

    public int ModelsReceived => _modelsReceived;

    /// <summary>Per round: when the first and the last device received its model, and when the last update was acknowledged (Stopwatch timestamps).</summary>
    public ConcurrentDictionary<long, RoundTimes> Times { get; } = new();

    /// <summary>Stopwatch timestamps of one round as the devices saw it.</summary>
    internal sealed class RoundTimes
    {
        public long FirstModel = long.MaxValue;
        public long LastModel;
        public long LastAck;

        public void Model(long now)
        {
            lock (this)
            {
                FirstModel = Math.Min(FirstModel, now);
                LastModel = Math.Max(LastModel, now);
            }
        }

        public void Ack(long now)
        {
            lock (this)
            {
                LastAck = Math.Max(LastAck, now);
            }
        }
    }

    /// <summary>Updates published and acknowledged by the broker (PUBACK).</summary>
    public int UpdatesAcknowledged => Volatile.Read(ref _updatesAcknowledged);

    /// <summary>The highest round whose model any device has received.</summary>
    public long HighestRound => Interlocked.Read(ref _highestRound);

    /// <summary>Connects <paramref name="count"/> devices; <paramref name="payloadFor"/>(device, round) gives each one's update bytes (null: send nothing).</summary>
    public static async Task<BenchDevices> ConnectAsync(int port, string gatewayId, int count, Func<int, long, System.Buffers.ReadOnlySequence<byte>?> payloadFor, CancellationToken cancellationToken)
    {
        var devices = new BenchDevices();
        for (int d = 0; d < count; d++)
        {
            int index = d;
            string id = SharedUpdatePayload.DeviceId(d);
            var conn = new MqttConnection(
                new MqttConnectionOptions
                {
                    Port = port,
                    ClientId = id,
                    Will = new LastWill(devices._topics.DeviceStatus(gatewayId, id), WireCodec.Encode(new DeviceStatus(id, false, 1, false, DateTimeOffset.UtcNow)), Retain: true),
                },
                NullLogger.Instance);
            var seen = new ConcurrentDictionary<long, bool>();
            string updateTopic = devices._topics.DeviceUpdate(gatewayId, id);
            await conn.SubscribeAsync(devices._topics.GatewayModel(gatewayId), MqttQos.AtLeastOnce, async (m, ct) =>
            {
                // Only the header is needed to answer; a real device would decode the whole model.
                if (!WireCodec.TryDecodeModel(m.Payload, DecodeLimits.Default with { MaxPayloadBytes = long.MaxValue }, out var model, out _) || !seen.TryAdd(model!.Round, true))
                {
                    return;
                }

                Interlocked.Increment(ref devices._modelsReceived);
                RoundTimes times = devices.Times.GetOrAdd(model.Round, _ => new RoundTimes());
                times.Model(System.Diagnostics.Stopwatch.GetTimestamp());
                long seenRound;
                while ((seenRound = Interlocked.Read(ref devices._highestRound)) < model.Round && Interlocked.CompareExchange(ref devices._highestRound, model.Round, seenRound) != seenRound)
                {
                }
                if (payloadFor(index, model.Round) is { } payload)
                {
                    await conn.PublishAsync(updateTopic, payload, MqttQos.AtLeastOnce, false, ct).ConfigureAwait(false);
                    times.Ack(System.Diagnostics.Stopwatch.GetTimestamp());
                    Interlocked.Increment(ref devices._updatesAcknowledged);
                }
            }, cancellationToken).ConfigureAwait(false);
            conn.OnConnected(ct => conn.PublishAsync(devices._topics.DeviceStatus(gatewayId, id), WireCodec.Encode(new DeviceStatus(id, true, 1, false, DateTimeOffset.UtcNow)), MqttQos.AtLeastOnce, true, ct));
            await conn.StartAsync(cancellationToken).ConfigureAwait(false);
            devices._connections.Add(conn);
            devices._updateTopics.Add(updateTopic);
        }

        foreach (var c in devices._connections)
        {
            await c.WaitConnectedAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }

        return devices;
    }

    /// <summary>Every device publishes <paramref name="payloadFor"/>(device) at once (QoS 1); returns when all are acknowledged.</summary>
    public Task PublishAllAsync(Func<int, System.Buffers.ReadOnlySequence<byte>> payloadFor, CancellationToken cancellationToken) =>
        Task.WhenAll(_connections.Select(async (c, d) =>
        {
            await c.PublishAsync(_updateTopics[d], payloadFor(d), MqttQos.AtLeastOnce, false, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _updatesAcknowledged);
        }));

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _connections)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }
    }
}
