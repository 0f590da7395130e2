using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 4: one gateway round over MQTT (model publish to aggregated model) with D devices, through the
/// gateway's real host (RoundCoordinator + RoundLoop), against two tuned in-process MQTTnet clients moving
/// the same bytes through the same broker (<see cref="MqttClientsBaseline"/>, the baseline of record) and
/// against mosquitto_pub/mosquitto_sub doing the same (process start included).
/// </summary>
internal static class MqttRoundBench
{
    public static async Task RunAsync(Report report, bool quick)
    {
        int[] deviceCounts = AggregationBench.FromEnvironment("EDGEFL_BENCH_MQTT_D") ?? (quick ? [10] : [10, 50, 200]);
        int[] modelBytes = AggregationBench.FromEnvironment("EDGEFL_BENCH_MQTT_BYTES") ?? (quick ? [100_000] : [100_000, 4_000_000]);
        int rounds = quick ? 2 : 3;
        string[] brokers = Environment.GetEnvironmentVariable("EDGEFL_BENCH_MQTT_BROKERS") is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["embedded", "mosquitto"];
        foreach (string broker in brokers)
        {
            foreach (int bytes in modelBytes)
            {
                foreach (int d in deviceCounts)
                {
                    await OneAsync(report, broker, d, bytes, rounds).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task OneAsync(Report report, string brokerKind, int devices, int modelBytes, int rounds)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        string dir = Directory.CreateTempSubdirectory("edgefl-bench-mqtt-").FullName;
        Mosquitto? mosquitto = null;
        EmbeddedBroker? embedded = null;
        try
        {
            int port;
            if (brokerKind == "mosquitto")
            {
                mosquitto = await Mosquitto.StartAsync(cts.Token).ConfigureAwait(false);
                port = mosquitto.Port;
            }
            else
            {
                // The gateway's embedded broker class, started here so that the devices are connected before round 1 opens.
                port = TestPorts.Free();
                embedded = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, MaxMessageBytes = (2L * modelBytes) + (1 << 20) }, NullLogger.Instance);
                await embedded.StartAsync(cts.Token).ConfigureAwait(false);
            }

            int floats = modelBytes / sizeof(float);
            var rng = new Random(devices);
            float[] values = Enumerable.Range(0, floats).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var model = new ModelState([NamedTensor.FromFloat32("w", [floats], values)]);
            string modelPath = Path.Combine(dir, "initial.efm");
            await ModelFile.SaveAsync(modelPath, new ModelMessage("bench", 0, "bench", 0, DateTimeOffset.UtcNow, model), cts.Token).ConfigureAwait(false);
            int modelPayload = WireCodec.Encode(new ModelMessage("bench", 1, "gw", 0, DateTimeOffset.UtcNow, model)).Length;

            // One pre-encoded update per round, its tensor bytes shared by all devices (the devices' training
            // and encoding are not timed; D x rounds copies of a 4 MB update would not fit the bench process).
            var updates = Enumerable.Range(1, rounds).Select(r => new SharedUpdatePayload(model, r)).ToArray();
            int updatePayload = updates[0].Length;
            await using (var swarm = await BenchDevices.ConnectAsync(port, "gw", devices, (dv, round) => round >= 1 && round <= rounds ? updates[round - 1].For(SharedUpdatePayload.DeviceId(dv)) : null, cts.Token).ConfigureAwait(false))
            {
                var observer = new RoundObserver();
                using IHost host = BuildGateway(port, modelPath, observer, devices, rounds, modelBytes);
                await host.StartAsync(cts.Token).ConfigureAwait(false);
                await observer.Finished.Task.WaitAsync(cts.Token).ConfigureAwait(false);
                await host.StopAsync(cts.Token).ConfigureAwait(false);
                var results = observer.Rounds.OrderBy(r => r.Round).ToArray();
                if (results.Any(r => r.Accepted != devices || !r.ModelUpdated))
                {
                    throw new InvalidOperationException($"a round did not aggregate all {devices} updates: " + string.Join("; ", results.Select(r => $"round {r.Round}: {r.Accepted} accepted, {r.Rejected} rejected, {r.CloseReason}")));
                }

                // Round 1 carries JIT and connection warm-up; the best of the later rounds is the figure.
                RoundResult best = results.Skip(1).MinBy(r => r.Duration)!;
                double roundSeconds = best.Duration.TotalSeconds;
                string phases = Phases(best, swarm.Times[best.Round]);
                double roundBytes = ((double)devices * modelPayload) + ((double)devices * updatePayload);
                GC.Collect();
                int messages = 2 * devices;
                double clients = await MqttClientsBaseline.BestSecondsAsync(port, updatePayload, messages, rounds, cts.Token).ConfigureAwait(false);
                GC.Collect();
                double cli = await MosquittoClientsSecondsAsync(port, dir, updatePayload, messages, cts.Token).ConfigureAwait(false);
                string c = $"{brokerKind} broker, D={devices}, model {Measure.Bytes(modelBytes)}";
                report.Add("4 mqtt round", $"{c}: round time ({Measure.Bytes(roundBytes)} moved; first round {results[0].Duration.TotalSeconds:F3} s; {phases}) vs in-process MQTTnet clients", roundSeconds, "s", $"2 MQTTnet clients, 1 MiB buffers, {messages} x {Measure.Bytes(updatePayload)} QoS 1, first publish to last delivery, best of {rounds}", clients, "(target <= 1.5)");
                report.Add("4 mqtt round", $"{c}: round time vs mosquitto CLI clients", roundSeconds, "s", $"mosquitto_pub --repeat {messages} -> mosquitto_sub, process start included", cli);
            }
        }
        finally
        {
            if (mosquitto is not null)
            {
                await mosquitto.DisposeAsync().ConfigureAwait(false);
            }

            if (embedded is not null)
            {
                await embedded.DisposeAsync().ConfigureAwait(false);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Where a round's time went, as the devices saw it: the model's fan-out (first to last device holding
    /// it), the updates (last model delivered to the last update acknowledged: the devices' publishes and the
    /// gateway's admission, i.e. decode, validation, journal and fold before each PUBACK), and the rest of the
    /// round's duration (open: encode, sign, publish; close: quorum noticed, aggregate completed and checked).
    /// </summary>
    private static string Phases(RoundResult round, BenchDevices.RoundTimes t)
    {
        double fanOut = Stopwatch.GetElapsedTime(t.FirstModel, t.LastModel).TotalMilliseconds;
        double updates = Stopwatch.GetElapsedTime(t.LastModel, t.LastAck).TotalMilliseconds;
        double rest = round.Duration.TotalMilliseconds - fanOut - updates;
        string Ms(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        return $"ms: fan-out {Ms(fanOut)}, updates {Ms(updates)}, open + close {Ms(rest)}";
    }

    private static IHost BuildGateway(int port, string modelPath, RoundObserver observer, int devices, int rounds, int modelBytes)
    {
        // The gateway signs each model it publishes, as in production; the key lives beside the model.
        string signingKey = Path.Combine(Path.GetDirectoryName(modelPath)!, "gateway.key");
        if (!File.Exists(signingKey))
        {
            EdgeFL.Core.Signing.SigningKeyFiles.Generate(signingKey).Dispose();
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = "gw",
            ["Gateway:StateDirectory"] = ":memory:",
            ["Gateway:Signing:PrivateKeyPath"] = signingKey,
            ["Gateway:InitialModelPath"] = modelPath,
            ["Gateway:Broker:Embedded"] = "false",
            ["Gateway:Broker:Host"] = "127.0.0.1",
            ["Gateway:Broker:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:MaxRounds"] = rounds.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:QuorumFraction"] = "1.0",
            ["Gateway:Rounds:MinUpdates"] = devices.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:Deadline"] = "00:03:00",
            ["Gateway:Updates:MaxBytes"] = ((2L * modelBytes) + (1 << 20)).ToString(CultureInfo.InvariantCulture),
        });

        // Gateway settings to try without a rebuild, e.g. EDGEFL_BENCH_GATEWAY_ENV="Gateway__Broker__ReceiveMaximum=4".
        foreach (string pair in (Environment.GetEnvironmentVariable("EDGEFL_BENCH_GATEWAY_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                builder.Configuration[pair[..eq].Replace("__", ":", StringComparison.Ordinal)] = pair[(eq + 1)..];
            }
        }

        builder.Services.AddSingleton<IGatewayObserver>(observer);
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        return builder.Build();
    }

    /// <summary>
    /// Seconds for mosquitto's own clients to move <paramref name="messages"/> messages of <paramref name="size"/>
    /// bytes, QoS 1, through the broker on <paramref name="port"/>: from starting mosquitto_pub to mosquitto_sub
    /// having received the last one.
    /// </summary>
    internal static async Task<double> MosquittoClientsSecondsAsync(int port, string dir, int size, int messages, CancellationToken cancellationToken)
    {
        string file = Path.Combine(dir, "payload.bin");
        var bytes = new byte[size];
        new Random(1).NextBytes(bytes);
        await File.WriteAllBytesAsync(file, bytes, cancellationToken).ConfigureAwait(false);
        string p = port.ToString(CultureInfo.InvariantCulture);
        string n = messages.ToString(CultureInfo.InvariantCulture);
        using var sub = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"exec mosquitto_sub -V mqttv5 -i bench-sub -h 127.0.0.1 -p {p} -q 1 -t bench/baseline -C {n} > /dev/null"]) { UseShellExecute = false })!;
        await Task.Delay(500, cancellationToken).ConfigureAwait(false); // let it subscribe
        var sw = Stopwatch.StartNew();
        using var pub = Process.Start(new ProcessStartInfo("mosquitto_pub", ["-V", "mqttv5", "-i", "bench-pub", "-h", "127.0.0.1", "-p", p, "-q", "1", "-t", "bench/baseline", "-f", file, "--repeat", n]) { UseShellExecute = false })!;
        await sub.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        double seconds = sw.Elapsed.TotalSeconds;
        await pub.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (sub.ExitCode != 0 || pub.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_sub exited with {sub.ExitCode}, mosquitto_pub with {pub.ExitCode}");
        }

        return seconds;
    }

    private sealed class RoundObserver : IGatewayObserver
    {
        public ConcurrentBag<RoundResult> Rounds { get; } = [];

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void RoundCompleted(RoundResult result) => Rounds.Add(result);

        public void GlobalModelAdopted(string gatewayId, ModelMessage global)
        {
        }

        void IGatewayObserver.Finished(string gatewayId, long lastRound) => Finished.TrySetResult();
    }
}
