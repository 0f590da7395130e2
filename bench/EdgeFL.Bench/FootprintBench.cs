using System.Diagnostics;
using System.Net.Sockets;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 5: the real gateway binary as a child process: start-up time to a listening broker and to READY=1,
/// RSS idle, with 200 devices connected, and its peak during a round of 200 x 4 MB updates (the devices in a
/// second child process, <see cref="SwarmCommand"/>), with the embedded broker and with mosquitto; linux-arm64
/// publish sizes. Short mode: 20 devices x 1 MB, both brokers, no publishes.
/// </summary>
internal static class FootprintBench
{
    public static async Task RunAsync(Report report, bool quick)
    {
        string root = RepoRoot();
        // EDGEFL_BENCH_GATEWAY_DLL measures another build (e.g. an older commit's) with the same harness.
        string gatewayDll = Environment.GetEnvironmentVariable("EDGEFL_BENCH_GATEWAY_DLL") is { Length: > 0 } other
            ? other
            : Path.Combine(root, "src/Gateway/bin/Release/net10.0/EdgeFL.Gateway.dll");
        if (!File.Exists(gatewayDll))
        {
            throw new FileNotFoundException("build the gateway first: dotnet build -c Release src/Gateway", gatewayDll);
        }

        string dir = Directory.CreateTempSubdirectory("edgefl-bench-footprint-").FullName;
        try
        {
            // Start-up: process start to a listening broker and to READY=1, against mosquitto's start-up.
            int tries = quick ? 1 : 5;
            string small = await ModelAsync(dir, "small.efm", 100_000).ConfigureAwait(false);
            var listening = new List<double>();
            var ready = new List<double>();
            var readyWithout = new List<double>();
            var mq = new List<double>();
            for (int i = 0; i < tries; i++)
            {
                int port = TestPorts.Free();
                using (var p = GatewayProcess.Start(gatewayDll, GatewayArgs(small, port, devices: 1, modelBytes: 100_000, observabilityPort: TestPorts.Free())))
                {
                    listening.Add(await SecondsToListenAsync(p, port).ConfigureAwait(false));
                    ready.Add((await p.WaitReadyAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false)).TotalSeconds);
                }

                // The same without the observability listener (and OpenTelemetry), interleaved.
                using (var p = GatewayProcess.Start(gatewayDll, GatewayArgs(small, TestPorts.Free(), devices: 1, modelBytes: 100_000)))
                {
                    readyWithout.Add((await p.WaitReadyAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false)).TotalSeconds);
                }

                var sw = Stopwatch.StartNew();
                await using var m = await Mosquitto.StartAsync().ConfigureAwait(false);
                mq.Add(sw.Elapsed.TotalSeconds);
            }

            report.Add("5 footprint", $"gateway start-up to broker listening (dotnet EdgeFL.Gateway.dll, best of {tries}; median {Median(listening):F3} s)", listening.Min(), "s", "mosquitto start-up, same probe", mq.Min(), "(target < 1 s absolute)");
            report.Add("5 footprint", $"gateway start-up to READY=1 on NOTIFY_SOCKET (best of {tries}; median {Median(ready):F3} s)", ready.Min(), "s", "mosquitto start-up", mq.Min(), "(target < 1 s absolute)");
            report.Add("5 footprint", $"gateway start-up to READY=1 with the observability listener (best of {tries}; median {Median(ready):F3} s)", ready.Min(), "s",
                $"without it, Observability:Enabled=false (best of {tries}; median {Median(readyWithout):F3} s)", readyWithout.Min());

            // RSS: 1 MB model, idle and with D devices connected (target < 100 MB with 200), then a round of D updates.
            int devices = quick ? 20 : 200;
            await RssAsync(report, gatewayDll, dir, devices, 1_000_000, runRound: false, "embedded").ConfigureAwait(false);
            // What the observability listener (OpenTelemetry, the exporter, health) costs in RSS: off against on and scraped, one after the other.
            await RssAsync(report, gatewayDll, dir, devices, 1_000_000, runRound: false, "embedded", observability: false).ConfigureAwait(false);
            await RssAsync(report, gatewayDll, dir, devices, quick ? 1_000_000 : 4_000_000, runRound: true, "embedded").ConfigureAwait(false);
            // The same round with mosquitto as the broker: what the gateway itself holds, without the broker's buffers.
            await RssAsync(report, gatewayDll, dir, devices, quick ? 1_000_000 : 4_000_000, runRound: true, "mosquitto").ConfigureAwait(false);
            if (!quick)
            {
                await PublishSizesAsync(report, root, dir).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string[] GatewayArgs(string modelPath, int port, int devices, int modelBytes, int observabilityPort = 0) =>
    [
        // The observability listener (metrics, health) is on by default; 0 measures the gateway without it.
        observabilityPort > 0 ? $"--Observability:Port={observabilityPort}" : "--Observability:Enabled=false",
        $"--Gateway:InitialModelPath={modelPath}",
        $"--Gateway:Broker:Port={port}",
        // The bench's devices connect without credentials (authentication costs nothing per message).
        "--Gateway:Broker:AllowAnonymous=true",
        // Round 1 waits for every device (quorum D of D); its deadline only guards against a stuck run.
        "--Gateway:Rounds:Deadline=00:05:00",
        "--Gateway:Rounds:QuorumFraction=1.0",
        $"--Gateway:Rounds:MinUpdates={devices}",
        $"--Gateway:Updates:MaxBytes={(2L * modelBytes) + (1 << 20)}",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>
    /// Extra environment for the gateway process only, from EDGEFL_BENCH_GATEWAY_ENV ("KEY=VALUE;KEY=VALUE"),
    /// e.g. DOTNET_GCConserveMemory=5, to compare runtime settings without affecting the bench or the swarm.
    /// </summary>
    private static Dictionary<string, string> GatewayEnvironment() =>
        (Environment.GetEnvironmentVariable("EDGEFL_BENCH_GATEWAY_ENV") ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(kv => kv.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1]);

    private static async Task RssAsync(Report report, string gatewayDll, string dir, int devices, int modelBytes, bool runRound, string broker, bool observability = true)
    {
        int http = observability ? TestPorts.Free() : 0;
        using var scraper = new HttpClient();

        // With the listener on, Prometheus' scrape is simulated before each reading (the exporter's buffers are then in the figure).
        async Task ScrapeAsync()
        {
            if (http > 0)
            {
                await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{http}/metrics")).ConfigureAwait(false);
            }
        }

        string modelPath = await ModelAsync(dir, $"model-{modelBytes}.efm", modelBytes).ConfigureAwait(false);
        await using var mosquitto = broker == "mosquitto" ? await Mosquitto.StartAsync().ConfigureAwait(false) : null;
        int port = mosquitto?.Port ?? TestPorts.Free();
        var args = GatewayArgs(modelPath, port, devices, modelBytes, http).ToList();
        if (mosquitto is not null)
        {
            args.Add("--Gateway:Broker:Embedded=false");
        }

        var env = GatewayEnvironment();
        string c = $"{broker} broker, model {Measure.Bytes(modelBytes)}, observability {(observability ? "on, scraped" : "off")}{(env.Count > 0 ? ", " + string.Join(" ", env.Select(kv => $"{kv.Key}={kv.Value}")) : "")}";
        using var gateway = GatewayProcess.Start(gatewayDll, args, env);
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await Task.Delay(2000).ConfigureAwait(false);
        await ScrapeAsync().ConfigureAwait(false);
        var (idle, _) = gateway.Memory();
        report.Add("5 footprint", $"gateway RSS idle, {c}", idle / 1e6, "MB", "target", 100, "(target < 100 MB)");

        // The devices live in a process of their own; they receive round 1's model and answer it on "go".
        using var swarm = SwarmProcess.Start(port, "gateway-1", devices, modelBytes, answerRound: 1);
        await swarm.WaitUntilAsync(s => s.ModelsReceived >= devices, TimeSpan.FromSeconds(120), $"{devices} devices connected and holding round 1's model").ConfigureAwait(false);
        await Task.Delay(1000).ConfigureAwait(false);
        await ScrapeAsync().ConfigureAwait(false);
        var (connected, _) = gateway.Memory();
        report.Add("5 footprint", $"gateway RSS with {devices} devices connected, {c}", connected / 1e6, "MB", "target", 100, "(target < 100 MB)");
        if (!runRound)
        {
            return;
        }

        // All devices publish at once; round 1 closes on its quorum (all D accepted) and round 2's model goes out.
        var sw = Stopwatch.StartNew();
        swarm.Go();
        await swarm.WaitUntilAsync(s => s.HighestRound >= 2 && s.UpdatesAcknowledged >= devices, TimeSpan.FromSeconds(240), $"round 1 with {devices} updates closing").ConfigureAwait(false);
        double seconds = sw.Elapsed.TotalSeconds;
        var (after, peak) = gateway.Memory();
        report.Add("5 footprint", $"gateway peak RSS (VmHWM) in a round of {devices} x {Measure.Bytes(modelBytes)} updates, {c}; after it {after / 1e6:F0} MB; round {seconds:F1} s", peak / 1e6, "MB", "RSS with devices connected", connected / 1e6,
            $"(peak - connected = {(peak - connected) / (double)modelBytes:F1} model sizes)");
    }

    private static async Task PublishSizesAsync(Report report, string root, string dir)
    {
        // Publish from a copy of the gateway's sources, so the worktree's obj/ (restored for the build) is left alone.
        string src = Path.Combine(dir, "src");
        foreach (string project in new[] { "Core", "Messaging", "Storage", "Hosting", "Observability", "CloudLink", "Gateway" })
        {
            CopyTree(Path.Combine(root, "src", project), Path.Combine(src, "src", project));
        }

        CopyTree(Path.Combine(root, "build"), Path.Combine(src, "build"));
        foreach (string f in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.Copy(Path.Combine(root, f), Path.Combine(src, f));
        }

        var variants = new (string Name, string Args)[]
        {
            ("framework-dependent", "--self-contained false"),
            ("framework-dependent + ReadyToRun", "--self-contained false -p:PublishReadyToRun=true"),
            ("self-contained", "--self-contained true"),
            ("self-contained + trimmed", "--self-contained true -p:PublishTrimmed=true -p:TreatWarningsAsErrors=false"),
            ("self-contained + trimmed + ReadyToRun", "--self-contained true -p:PublishTrimmed=true -p:PublishReadyToRun=true -p:TreatWarningsAsErrors=false"),
        };
        double? baseline = null;
        foreach (var (name, args) in variants)
        {
            string output = Path.Combine(dir, "publish-" + name.Replace(' ', '-').Replace("+", "and", StringComparison.Ordinal));
            var psi = new ProcessStartInfo("/bin/sh", ["-c", $"dotnet publish src/Gateway -c Release -r linux-arm64 {args} -o '{output}' -v q -nologo > '{output}.log' 2>&1"])
            {
                WorkingDirectory = src,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            await p.WaitForExitAsync().ConfigureAwait(false);
            if (p.ExitCode != 0)
            {
                string log = File.Exists(output + ".log") ? string.Join(" / ", File.ReadLines(output + ".log").Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Take(2)) : "";
                report.Note("5 footprint", $"linux-arm64 publish, {name}: FAILED ({log})");
                continue;
            }

            double mb = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1e6;
            bool torch = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Any(f => f.Contains("torch", StringComparison.OrdinalIgnoreCase));
            baseline ??= mb;
            report.Add("5 footprint", $"linux-arm64 publish size, {name}{(torch ? " (CARRIES LIBTORCH)" : "")}", mb, "MB", "framework-dependent", baseline.Value);
        }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(from, file);
            if (rel.StartsWith("bin", StringComparison.Ordinal) || rel.StartsWith("obj", StringComparison.Ordinal))
            {
                continue;
            }

            string dest = Path.Combine(to, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
    }

    private static async Task<string> ModelAsync(string dir, string name, int bytes)
    {
        int floats = bytes / sizeof(float);
        var rng = new Random(bytes);
        var model = new ModelState([NamedTensor.FromFloat32("w", [floats], Enumerable.Range(0, floats).Select(_ => (float)rng.NextDouble()).ToArray())]);
        string path = Path.Combine(dir, name);
        await ModelFile.SaveAsync(path, new ModelMessage("bench", 0, "bench", 0, DateTimeOffset.UtcNow, model)).ConfigureAwait(false);
        return path;
    }

    private static async Task<double> SecondsToListenAsync(GatewayProcess p, int port)
    {
        while (p.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
                return p.Elapsed.TotalSeconds;
            }
            catch (SocketException) when (!p.HasExited)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }
        }

        throw new TimeoutException($"the gateway did not listen on {port} within 30 s (exited: {p.HasExited})");
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "EdgeFL.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("EdgeFL.sln not found above " + AppContext.BaseDirectory);
    }
}
