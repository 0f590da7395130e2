using System.Diagnostics;
using System.Net.Sockets;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 5: the real gateway binary as a child process: start-up time to a listening broker, RSS idle,
/// with 200 devices connected, and its peak during a round of 200 x 4 MB updates; publish sizes.
/// </summary>
internal static class FootprintBench
{
    public static async Task RunAsync(Report report, bool quick)
    {
        string root = RepoRoot();
        string gatewayDll = Path.Combine(root, "src/Gateway/bin/Release/net10.0/EdgeFL.Gateway.dll");
        if (!File.Exists(gatewayDll))
        {
            throw new FileNotFoundException("build the gateway first: dotnet build -c Release src/Gateway", gatewayDll);
        }

        string dir = Directory.CreateTempSubdirectory("edgefl-bench-footprint-").FullName;
        try
        {
            // Start-up: process start to the first successful TCP connect, against mosquitto doing the same.
            int tries = quick ? 1 : 5;
            string small = await ModelAsync(dir, "small.efm", 100_000).ConfigureAwait(false);
            var gw = new List<double>();
            var mq = new List<double>();
            for (int i = 0; i < tries; i++)
            {
                int port = TestPorts.Free();
                using (var p = StartGateway(gatewayDll, small, port, []))
                {
                    gw.Add(await SecondsToListenAsync(p, port).ConfigureAwait(false));
                    Kill(p);
                }

                var sw = Stopwatch.StartNew();
                await using var m = await Mosquitto.StartAsync().ConfigureAwait(false);
                mq.Add(sw.Elapsed.TotalSeconds);
            }

            report.Add("5 footprint", $"gateway start-up to broker listening (dotnet EdgeFL.Gateway.dll, best of {tries})", gw.Min(), "s", "mosquitto start-up, same probe", mq.Min(), "(target < 1 s absolute)");

            // RSS: 1 MB model, idle and with 200 devices connected (target < 100 MB).
            int devices = quick ? 20 : 200;
            await RssAsync(report, gatewayDll, dir, devices, 1_000_000, runRound: false).ConfigureAwait(false);
            await RssAsync(report, gatewayDll, dir, devices, quick ? 1_000_000 : 4_000_000, runRound: true).ConfigureAwait(false);

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

    private static async Task RssAsync(Report report, string gatewayDll, string dir, int devices, int modelBytes, bool runRound)
    {
        string modelPath = await ModelAsync(dir, $"model-{modelBytes}.efm", modelBytes).ConfigureAwait(false);
        int port = TestPorts.Free();
        // Round 1 closes on its deadline (devices do not answer it, so all of them are connected by round 2);
        // in round 2 every device sends its update.
        using var gateway = StartGateway(gatewayDll, modelPath, port,
        [
            "--Gateway:Rounds:Deadline=00:00:10",
            "--Gateway:Rounds:QuorumFraction=1.0",
            $"--Gateway:Rounds:MinUpdates={devices}",
            $"--Gateway:Updates:MaxBytes={(2L * modelBytes) + (1 << 20)}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        try
        {
            await SecondsToListenAsync(gateway, port).ConfigureAwait(false);
            await Task.Delay(2000).ConfigureAwait(false);
            var (idle, _) = Measure.Memory(gateway.Id);
            string c = $"model {Measure.Bytes(modelBytes)}";
            report.Add("5 footprint", $"gateway RSS idle, {c}", idle / 1e6, "MB", "target", 100, "(target < 100 MB)");

            var rng = new Random(5);
            int floats = modelBytes / sizeof(float);
            var model = new ModelState([NamedTensor.FromFloat32("w", [floats], Enumerable.Range(0, floats).Select(_ => (float)rng.NextDouble()).ToArray())]);
            var payloads = runRound
                ? Enumerable.Range(0, devices).Select(d => WireCodec.Encode(new DeviceUpdate($"dev-{d:D3}", 2, 100, 0.5, 1, 0.1, DateTimeOffset.UtcNow, model))).ToArray()
                : [];
            await using var swarm = await BenchDevices.ConnectAsync(port, "gateway-1", devices, (d, round) => runRound && round == 2 ? payloads[d] : null, CancellationToken.None).ConfigureAwait(false);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (swarm.ModelsReceived < devices && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            await Task.Delay(1000).ConfigureAwait(false);
            var (connected, _) = Measure.Memory(gateway.Id);
            report.Add("5 footprint", $"gateway RSS with {devices} devices connected, {c}", connected / 1e6, "MB", "target", 100, "(target < 100 MB)");
            if (!runRound)
            {
                return;
            }

            deadline = DateTime.UtcNow.AddSeconds(90);
            while (swarm.HighestRound < 3 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }

            if (swarm.HighestRound < 3)
            {
                throw new TimeoutException("round 2 did not close within 90 s");
            }

            var (after, peak) = Measure.Memory(gateway.Id);
            report.Add("5 footprint", $"gateway peak RSS (VmHWM) in a round of {devices} x {Measure.Bytes(modelBytes)} updates; after it {after / 1e6:F0} MB", peak / 1e6, "MB", "RSS with devices connected", connected / 1e6,
                $"(peak - connected = {(peak - connected) / (double)modelBytes:F1} model sizes)");
        }
        finally
        {
            Kill(gateway);
        }
    }

    private static async Task PublishSizesAsync(Report report, string root, string dir)
    {
        // Publish from a copy of the gateway's sources, so the worktree's obj/ (restored for the build) is left alone.
        string src = Path.Combine(dir, "src");
        foreach (string project in new[] { "Core", "Messaging", "CloudBridge", "Gateway" })
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

    private static Process StartGateway(string dll, string modelPath, int port, string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add($"--Gateway:InitialModelPath={modelPath}");
        psi.ArgumentList.Add($"--Gateway:Broker:Port={port}");

        // A fresh state folder per process: the gateway's real durable state, never a resumed one.
        psi.ArgumentList.Add($"--Gateway:StateDirectory={Directory.CreateTempSubdirectory("edgefl-bench-state-").FullName}");
        foreach (string a in extra)
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task<double> SecondsToListenAsync(Process p, int port)
    {
        var sw = Stopwatch.StartNew();
        var started = p.StartTime.ToUniversalTime();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
                return (DateTime.UtcNow - started).TotalSeconds;
            }
            catch (SocketException) when (!p.HasExited)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }
        }

        throw new TimeoutException($"the gateway did not listen on {port} within 30 s (exited: {p.HasExited})");
    }

    private static void Kill(Process p)
    {
        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
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
