using System.Diagnostics;
using System.Security.Cryptography;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 13: a 6 MB message through mosquitto with <c>max_packet_size 131072</c>, chunked (ChunkedPublisher,
/// received through ChunkAssembler: files, SHA-256 of each chunk and of the whole), against two baselines from the
/// same run and the same two tuned MQTTnet clients (1 MiB socket buffers), timed from the first publish to the
/// handler's call: the same bytes as one message through a mosquitto without the cap, and the same bytes as plain
/// 127 KiB messages (no chunk layer) through the capped broker.
/// </summary>
internal static class ChunkBench
{
    private const int WholeBytes = 6_000_000;
    private const long MaxPayload = 131_072 - 1024;

    public static async Task RunAsync(Report report, bool quick)
    {
        int runs = quick ? 3 : 10;
        byte[] whole = RandomNumberGenerator.GetBytes(WholeBytes);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var capped = await Mosquitto.StartAsync(port => $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_packet_size 131072\n", cts.Token).ConfigureAwait(false);
        await using var open = await Mosquitto.StartAsync(cts.Token).ConfigureAwait(false);
        var dir = Directory.CreateTempSubdirectory("edgefl-chunkbench-");
        try
        {
            double chunked = await BestAsync(capped.Port, runs, "chunked", async (pub, signal, ct) =>
                await ChunkedPublisher.PublishAsync(pub, "bench/x", whole, MqttQos.AtLeastOnce, retain: false, MaxPayload, NullLogger.Instance, ct).ConfigureAwait(false),
                received => received >= 1, dir.FullName, cts.Token).ConfigureAwait(false);
            double oneMessage = await BestAsync(open.Port, runs, "whole", async (pub, signal, ct) =>
                await pub.PublishAsync("bench/x", whole, MqttQos.AtLeastOnce, retain: false, ct).ConfigureAwait(false),
                received => received >= 1, null, cts.Token).ConfigureAwait(false);
            int pieceSize = ChunkCodec.ChunkSizeFor(MaxPayload);
            int pieces = (WholeBytes + pieceSize - 1) / pieceSize;
            double plainPieces = await BestAsync(capped.Port, runs, "pieces", async (pub, signal, ct) =>
            {
                for (int i = 0; i < pieces; i++)
                {
                    int offset = i * pieceSize;
                    await pub.PublishAsync("bench/x", whole.AsMemory(offset, Math.Min(pieceSize, WholeBytes - offset)), MqttQos.AtLeastOnce, retain: false, ct).ConfigureAwait(false);
                }
            }, received => received >= pieces, null, cts.Token).ConfigureAwait(false);

            string size = Measure.Bytes(WholeBytes);
            report.Add("13 chunked transfer", $"{size} in {pieces} chunks through mosquitto, max_packet_size 131072 (publish to verified whole)", chunked * 1000, "ms", "the same bytes as one message, mosquitto without a cap", oneMessage * 1000);
            report.Add("13 chunked transfer", $"{size} in {pieces} chunks, capped mosquitto", chunked * 1000, "ms", $"the same bytes as {pieces} plain messages, same broker (no chunk layer)", plainPieces * 1000);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Best of <paramref name="runs"/> times from the first publish to the message (or messages) <paramref name="done"/> says complete it.</summary>
    private static async Task<double> BestAsync(int port, int runs, string name, Func<MqttConnection, TaskCompletionSource, CancellationToken, Task> send, Func<int, bool> done, string? chunkDirectory, CancellationToken cancellationToken)
    {
        await using var pub = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = $"bench-pub-{name}" }, NullLogger.Instance);
        await using var sub = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = $"bench-sub-{name}" }, NullLogger.Instance);
        using var assembler = new ChunkAssembler(new ChunkingOptions { Directory = chunkDirectory }, 64L * 1024 * 1024, NullLogger.Instance);
        int received = 0;
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<InboundMessage, CancellationToken, Task> handler = (_, _) =>
        {
            if (done(Interlocked.Increment(ref received)))
            {
                signal.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await sub.SubscribeAsync("bench/x", MqttQos.AtLeastOnce, chunkDirectory is null ? handler : assembler.Wrap(handler), cancellationToken).ConfigureAwait(false);
        await sub.StartAsync(cancellationToken).ConfigureAwait(false);
        await pub.StartAsync(cancellationToken).ConfigureAwait(false);
        await sub.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
        await pub.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
        double best = double.MaxValue;
        for (int run = 0; run < runs + 1; run++)
        {
            Volatile.Write(ref received, 0);
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var clock = Stopwatch.StartNew();
            await send(pub, signal, cancellationToken).ConfigureAwait(false);
            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (run > 0)
            {
                best = Math.Min(best, clock.Elapsed.TotalSeconds); // run 0 warms up
            }
        }

        return best;
    }
}
