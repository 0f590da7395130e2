using System.Diagnostics;
using System.Net;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 4's baseline of record: two plain MQTTnet clients in this process, 1 MiB socket buffers, moving
/// the same bytes through the same broker (one publisher, one subscriber, QoS 1, MQTT 5), timed from the
/// first publish to the last delivery; nothing of EdgeFL in the path.
/// </summary>
internal static class MqttClientsBaseline
{
    /// <summary>Socket buffers of both clients (MQTTnet's default of 8 KiB is ruinous for model-sized payloads).</summary>
    public const int SocketBufferBytes = 1 << 20;

    /// <summary>Publishes in flight at once: a tuned publisher pipelines rather than waiting for each PUBACK.</summary>
    public const int InFlight = 32;

    /// <summary>
    /// Seconds for <paramref name="messages"/> messages of <paramref name="size"/> bytes to go from the publisher's
    /// first publish to the subscriber's last delivery: the best of <paramref name="runs"/> runs, each on new connections.
    /// </summary>
    public static async Task<double> BestSecondsAsync(int port, int size, int messages, int runs, CancellationToken cancellationToken)
    {
        double best = double.MaxValue;
        for (int r = 0; r < runs; r++)
        {
            best = Math.Min(best, await SecondsAsync(port, size, messages, cancellationToken).ConfigureAwait(false));
        }

        return best;
    }

    private static async Task<double> SecondsAsync(int port, int size, int messages, CancellationToken cancellationToken)
    {
        const string topic = "bench/baseline-clients";
        var factory = new MqttClientFactory();
        using IMqttClient subscriber = factory.CreateMqttClient();
        using IMqttClient publisher = factory.CreateMqttClient();
        int received = 0;
        var last = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref received) == messages)
            {
                last.TrySetResult(Stopwatch.GetTimestamp());
            }

            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(Options(port, "bench-baseline-sub"), cancellationToken).ConfigureAwait(false);
        await subscriber.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(),
            cancellationToken).ConfigureAwait(false);
        await publisher.ConnectAsync(Options(port, "bench-baseline-pub"), cancellationToken).ConfigureAwait(false);

        var payload = new byte[size];
        new Random(1).NextBytes(payload);
        using var window = new SemaphoreSlim(InFlight);
        var publishes = new List<Task>(messages);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < messages; i++)
        {
            await window.WaitAsync(cancellationToken).ConfigureAwait(false);
            publishes.Add(PublishOneAsync());
        }

        await Task.WhenAll(publishes).ConfigureAwait(false);
        long end = await last.Task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        await publisher.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await subscriber.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start, end).TotalSeconds;

        async Task PublishOneAsync()
        {
            try
            {
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                await publisher.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                window.Release();
            }
        }
    }

    private static MqttClientOptions Options(int port, string clientId) => new MqttClientOptionsBuilder()
        .WithEndPoint(new DnsEndPoint("127.0.0.1", port))
        .WithTcpServer(o => o.BufferSize = SocketBufferBytes)
        .WithClientId(clientId)
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .WithCleanStart()
        .WithTimeout(TimeSpan.FromSeconds(30))
        .Build();
}
