using System.Diagnostics;
using System.Globalization;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 12: one cloud sync of N gateways against the real cloud aggregator binary (src/CloudBridge's Release
/// output, its embedded broker, a real cloud.db): N <see cref="SimulatedGateways"/> send an MLP-sized upload
/// each, all at once; the sync is timed from the first publish to the new global model's arrival at a
/// listening client and at every gateway (the aggregator has journaled every upload, averaged them, signed and
/// published the result, and the broker has sent it to all N). Baseline, same run, same broker, same connections,
/// the same bytes between plain clients: the N clients publish their uploads to one subscriber (one per 800 gateways;
/// first publish to last delivery), which then publishes one model-sized message to all N (to the last delivery). Also the aggregator's peak RSS during the sync (VmHWM, reset
/// through /proc/PID/clear_refs before it), in MB and in model sizes above its RSS before the sync, and its CPU
/// seconds per upload (/proc/PID/stat). N from EDGEFL_BENCH_CLOUD_N (comma list) or 100, 1000; short: 50.
/// </summary>
internal static class CloudSyncBench
{
    private const string Figure = "12 cloud sync";
    private const long FirstRound = 5;
    private const long SyncRound = 10;
    private const int BaselineGatewaysPerSink = 800;

    public static async Task RunAsync(Report report, bool quick)
    {
        int[] counts = Environment.GetEnvironmentVariable("EDGEFL_BENCH_CLOUD_N") is { Length: > 0 } n
            ? n.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : quick ? [50] : [100, 1000];
        string cloudDll = Path.Combine(FootprintBench.RepoRoot(), "src/CloudBridge/bin/Release/net10.0/EdgeFL.CloudBridge.dll");
        if (!File.Exists(cloudDll))
        {
            throw new FileNotFoundException("build the cloud aggregator first: dotnet build -c Release src/CloudBridge", cloudDll);
        }

        var rows = new List<string>();
        foreach (int gateways in counts)
        {
            rows.Add(await OneAsync(report, cloudDll, gateways).ConfigureAwait(false));
        }

        Console.WriteLine("  | gateways | global at a client s | global at every gateway s | baseline N->1 s | baseline N->1, 1->N s | ratio (every gateway / baseline) | cloud peak RSS MB | RSS connected MB | peak above connected, model sizes | cloud CPU ms per upload | per baseline message |");
        Console.WriteLine("  |---|---|---|---|---|---|---|---|---|---|---|");
        foreach (string row in rows)
        {
            Console.WriteLine("  " + row);
        }
    }

    private static async Task<string> OneAsync(Report report, string cloudDll, int gateways)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        var ct = cts.Token;
        string dir = Directory.CreateTempSubdirectory("edgefl-bench-cloud-").FullName;
        try
        {
            var topics = new TopicScheme();
            var initial = ManagedModels.CreateInitial(ModelKind.Mlp, 1);
            string modelPath = Path.Combine(dir, "initial.efm");
            await ModelFile.SaveAsync(modelPath, new ModelMessage("mlp", 0, "bench", 0, DateTimeOffset.UtcNow, initial), ct).ConfigureAwait(false);

            // Eight trained-looking variants of the MLP; gateway g uploads variant g % 8 with its own id and samples.
            var variants = Enumerable.Range(0, 8).Select(v => Perturbed(initial, v)).ToArray();
            var uploads = new Dictionary<long, byte[][]>();
            foreach (long round in new[] { FirstRound, SyncRound })
            {
                uploads[round] = new byte[gateways][];
                for (int g = 0; g < gateways; g++)
                {
                    string id = SimulatedGateways.Id(g);
                    uploads[round][g] = WireCodec.Encode(new GatewayUpload(id, GatewayUpload.MakeUploadId(id, "bench", round), round, "mlp", round, 1000 + g, DateTimeOffset.UtcNow, variants[g % variants.Length]));
                }
            }

            int uploadBytes = uploads[SyncRound][0].Length;
            int port = TestPorts.Free();
            using var cloud = GatewayProcess.Start(cloudDll, CloudArgs(port, modelPath, gateways), CloudRuntimeSettings(), stateDirectoryKey: "Cloud:StateDirectory");
            await cloud.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            using var counters = Environment.GetEnvironmentVariable("EDGEFL_BENCH_CLOUD_COUNTERS") == "1" ? RuntimeCounterWatch.Start(cloud.Id) : null;

            await using var fleet = await SimulatedGateways.ConnectAsync(port, gateways, ct).ConfigureAwait(false);
            var global = new GlobalWatch();
            await using var observer = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = "bench-observer" }, NullLogger.Instance);
            await observer.SubscribeAsync(topics.CloudGlobalModel, MqttQos.AtLeastOnce, global.OnModelAsync, ct).ConfigureAwait(false);
            await observer.StartAsync(ct).ConfigureAwait(false);
            await observer.WaitConnectedAsync(ct).ConfigureAwait(false);
            await global.WaitAsync(0, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false); // the seed, retained
            await Task.Delay(1000, ct).ConfigureAwait(false);
            var (connected, _) = cloud.Memory();
            if (counters is not null)
            {
                Console.WriteLine($"  cloud runtime counters, N connected and idle (peaks, MB): {counters.Peaks()}");
                counters.Reset();
            }

            // A first sync warms the aggregator up (JIT, the journal's file, the heap); the second is the figure.
            var first = await SyncAsync(fleet, global, topics, uploads, FirstRound, ct).ConfigureAwait(false);

            // The sync: peak RSS counted from here (clear_refs 5 resets VmHWM to the current RSS).
            await Task.Delay(500, ct).ConfigureAwait(false);
            await File.WriteAllTextAsync($"/proc/{cloud.Id}/clear_refs", "5", ct).ConfigureAwait(false);
            var (before, _) = cloud.Memory();
            double cpuBefore = CpuSeconds(cloud.Id);
            counters?.Reset();
            var (sync, acked, allHave, model) = await SyncAsync(fleet, global, topics, uploads, SyncRound, ct).ConfigureAwait(false);
            double cpu = CpuSeconds(cloud.Id) - cpuBefore;
            var (_, peak) = cloud.Memory();
            if (counters is not null)
            {
                await Task.Delay(300, ct).ConfigureAwait(false);
                Console.WriteLine($"  cloud runtime counters during the sync (peaks, MB): {counters.Peaks()}");
            }
            if (fleet.Applied != gateways || model.TotalSamples != ExpectedSamples(gateways))
            {
                throw new InvalidOperationException($"the sync applied {fleet.Applied} of {gateways} uploads ({fleet.Refused} refused, {fleet.Resent} publishes resent), global total_samples {model.TotalSamples} (expected {ExpectedSamples(gateways)}):\n{cloud.Output}");
            }

            // Baseline, after the sync (its subscriber's queue at the broker would swell the heap the sync is measured on):
            // the same bytes from the same N connections through the same broker to one plain subscriber. Over 800
            // gateways, one subscriber per 800 (the broker queues at most 1,000 messages per client and drops the oldest
            // beyond: one subscriber slower than N publishers would lose some).
            double baselineUp, baseline, baselineCpu;
            var baselineDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int delivered = 0;
            int sinkCount = (gateways + BaselineGatewaysPerSink - 1) / BaselineGatewaysPerSink;
            var sinks = new List<MqttConnection>();
            try
            {
                for (int k = 0; k < sinkCount; k++)
                {
                    var sink = new MqttConnection(new MqttConnectionOptions { Port = port, ClientId = $"bench-baseline-sub{k}" }, NullLogger.Instance);
                    sinks.Add(sink);
                    await sink.SubscribeAsync($"bench/baseline/{k}/+", MqttQos.AtLeastOnce, (_, _) =>
                    {
                        if (Interlocked.Increment(ref delivered) == gateways)
                        {
                            baselineDone.TrySetResult();
                        }

                        return Task.CompletedTask;
                    }, ct).ConfigureAwait(false);
                    await sink.StartAsync(ct).ConfigureAwait(false);
                    await sink.WaitConnectedAsync(ct).ConfigureAwait(false);
                }

                double baselineCpuBefore = CpuSeconds(cloud.Id);
                var clock = Stopwatch.StartNew();
                var baselinePublish = fleet.PublishAllAsync(g => $"bench/baseline/{g % sinkCount}/{SimulatedGateways.Id(g)}", g => uploads[SyncRound][g], ct);
                await baselineDone.Task.WaitAsync(TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
                baselineUp = clock.Elapsed.TotalSeconds;
                await baselinePublish.ConfigureAwait(false);

                // ... and what a sync sends back: one model-sized message from the subscriber to every gateway.
                clock.Restart();
                await sinks[0].PublishAsync(SimulatedGateways.BaselineDownTopic, uploads[SyncRound][0], MqttQos.AtLeastOnce, retain: false, ct).ConfigureAwait(false);
                await fleet.AllHaveBaselineDown.WaitAsync(TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
                baseline = baselineUp + clock.Elapsed.TotalSeconds;
                baselineCpu = CpuSeconds(cloud.Id) - baselineCpuBefore;
            }
            finally
            {
                foreach (var sink in sinks)
                {
                    await sink.DisposeAsync().ConfigureAwait(false);
                }
            }

            double sizes = (peak - connected) / (double)uploadBytes;
            string c = $"N={gateways}, upload {Measure.Bytes(uploadBytes)} (MLP), {Measure.Bytes((double)gateways * uploadBytes)} in all";
            report.Add(Figure, $"{c}: first upload to the global model at every gateway (at a listening client {sync:F2} s, every ack {acked:F2} s; the warm-up sync before it {first.AllHave:F2} s; publishes resent {fleet.Resent})", allHave, "s", $"same bytes, same broker, plain clients: N -> 1 ({baselineUp:F2} s), then 1 -> N", baseline, "(target <= 1.5)");
            report.Add(Figure, $"{c}: cloud peak RSS during the sync (VmHWM; {sizes:F1} model sizes above {connected / 1e6:F0} MB with N connected, idle; {before / 1e6:F0} MB just before)", peak / 1e6, "MB", "model size x N (MB)", (double)gateways * uploadBytes / 1e6, "(O(model): ratio falls as N grows)");
            report.Add(Figure, $"{c}: cloud CPU per upload (utime + stime)", cpu * 1000 / gateways, "ms", "cloud CPU per baseline message (broker only)", baselineCpu * 1000 / gateways);
            return string.Create(CultureInfo.InvariantCulture, $"| {gateways} | {sync:F2} | {allHave:F2} | {baselineUp:F2} | {baseline:F2} | {allHave / baseline:F2} | {peak / 1e6:F0} | {connected / 1e6:F0} | {sizes:F1} | {cpu * 1000 / gateways:F2} | {baselineCpu * 1000 / gateways:F2} |");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Every gateway uploads at once; returns seconds to the global model of <paramref name="round"/> and to the last acknowledgement.</summary>
    private static async Task<(double Sync, double Acked, double AllHave, ModelMessage Global)> SyncAsync(SimulatedGateways fleet, GlobalWatch global, TopicScheme topics, Dictionary<long, byte[][]> uploads, long round, CancellationToken ct)
    {
        fleet.ExpectAcks(fleet.Count, round);
        var clock = Stopwatch.StartNew();
        var publish = fleet.PublishAllAsync(g => topics.CloudUpload(SimulatedGateways.Id(g)), g => uploads[round][g], ct);
        var model = await global.WaitAsync(round, TimeSpan.FromMinutes(15), ct).ConfigureAwait(false);
        double sync = clock.Elapsed.TotalSeconds;
        await fleet.AllAcked.WaitAsync(TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        double acked = clock.Elapsed.TotalSeconds;
        await fleet.AllHaveGlobal.WaitAsync(TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        double allHave = clock.Elapsed.TotalSeconds;
        await publish.ConfigureAwait(false);
        return (sync, acked, allHave, model);
    }

    private static long ExpectedSamples(int gateways) => (1000L * gateways) + ((long)gateways * (gateways - 1) / 2);

    private static string[] CloudArgs(int port, string modelPath, int gateways) =>
    [
        .. Environment.GetEnvironmentVariable("EDGEFL_BENCH_CLOUD_STATE") is { Length: > 0 } state ? new[] { $"--Cloud:StateDirectory={state}" } : [],
        $"--Cloud:Signing:PrivateKeyPath={SigningKey(Path.GetDirectoryName(modelPath)!)}",
        "--Observability:Enabled=false",
        $"--Cloud:Port={port}",
        // The lab setting: the simulated gateways connect without credentials (CONFIGURATION.md, Cloud:AllowAnonymous).
        "--Cloud:AllowAnonymous=true",
        $"--Cloud:InitialModelPath={modelPath}",
        $"--Cloud:ExpectedGateways={gateways}",
        "--Cloud:SyncDeadline=00:15:00",
        "--Cloud:ServerOptimizer:Kind=FedAvg",
        $"--Cloud:MaxConnections={gateways + 16}",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>A diagnostic: EDGEFL_BENCH_CLOUD_DOTNET_X=v is given to the cloud process alone as DOTNET_X=v (e.g. gcConcurrent=0).</summary>
    private static Dictionary<string, string> CloudRuntimeSettings() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("EDGEFL_BENCH_CLOUD_DOTNET_", StringComparison.Ordinal))
            .ToDictionary(k => "DOTNET_" + k["EDGEFL_BENCH_CLOUD_DOTNET_".Length..], k => Environment.GetEnvironmentVariable(k)!, StringComparer.Ordinal);

    /// <summary>The cloud's signing key, made in <paramref name="dir"/> (EDGEFL_BENCH_CLOUD_STATE=:memory: shows what the durable journal costs).</summary>
    private static string SigningKey(string dir)
    {
        string path = Path.Combine(dir, "cloud.key");
        if (!File.Exists(path))
        {
            EdgeFL.Core.Signing.SigningKeyFiles.Generate(path).Dispose();
        }

        return path;
    }

    /// <summary>User plus system CPU seconds of a process (/proc/PID/stat, clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static ModelState Perturbed(ModelState model, int seed)
    {
        var rng = new Random(seed);
        return new ModelState(model.Tensors.Select(t =>
        {
            if (t.DType != TensorDType.Float32)
            {
                return t;
            }

            float[] values = t.AsFloat32().ToArray();
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += (float)((rng.NextDouble() - 0.5) * 0.01);
            }

            return NamedTensor.FromFloat32(t.Name, t.Shape, values);
        }).ToList());
    }

    /// <summary>The global models a plain client sees on the cloud's topic (header decoded only).</summary>
    private sealed class GlobalWatch
    {
        private readonly Lock _lock = new();
        private readonly List<(long Round, TaskCompletionSource<ModelMessage> Done)> _waits = [];
        private ModelMessage? _latest;

        public Task OnModelAsync(InboundMessage message, CancellationToken cancellationToken)
        {
            if (!WireCodec.TryDecodeModel(message.Payload, DecodeLimits.Default with { MaxPayloadBytes = long.MaxValue }, out var model, out _))
            {
                return Task.CompletedTask;
            }

            lock (_lock)
            {
                if (_latest is null || model!.Round > _latest.Round)
                {
                    _latest = model! with { Model = model.Model.Detach() };
                }

                var latest = _latest;
                foreach (var w in _waits.Where(w => latest.Round >= w.Round))
                {
                    w.Done.TrySetResult(latest);
                }
            }

            return Task.CompletedTask;
        }

        public async Task<ModelMessage> WaitAsync(long round, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource<ModelMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                if (_latest is { } m && m.Round >= round)
                {
                    return m;
                }

                _waits.Add((round, done));
            }

            return await done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
    }
}
