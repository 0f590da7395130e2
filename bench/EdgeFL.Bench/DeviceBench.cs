using System.Diagnostics;
using System.Text;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Tests.Shared;
using EdgeFL.Training;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;
using static TorchSharp.torch;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 11: a device's footprint and latency, each backend beside TorchSharp's in the same run. Inference latency
/// per sample and per batch of 32 (managed vs TorchSharp, in this process); then the real device binary
/// (src/DeviceClient's Release output) as a child process against the real gateway binary, once per backend: time from
/// process start to its first trained update (log 4001; the update is published right after) and its peak RSS
/// (VmHWM) after the rounds. The device holds a 3,000-sample slice of Fashion-MNIST (one device's share of 20).
/// </summary>
internal static class DeviceBench
{
    private const int DeviceSamples = 3000;

    public static async Task RunAsync(Report report, bool quick)
    {
        Inference(report, ModelKind.Mlp, quick);
        Inference(report, ModelKind.MobileNet, quick);
        await ProcessesAsync(report, quick ? 1 : 3).ConfigureAwait(false);
    }

    private static void Inference(Report report, ModelKind kind, bool quick)
    {
        int runs = quick ? 1 : 3;
        double minSeconds = quick ? 0.1 : 0.5;
        var state = ManagedModels.CreateInitial(kind, seed: 1);
        var random = new Random(2);
        float[] input = Enumerable.Range(0, 32 * 784).Select(_ => random.NextSingle()).ToArray();
        var network = ManagedArchitectures.Create(kind, new Random(0));
        network.Load(state);
        TorchRuntime.Configure(1);
        using var model = ModelFactory.Create(kind, seed: 1);
        ModelStateConverter.Load(model, state);
        model.eval();
        foreach (int batch in new[] { 1, 32 })
        {
            double managed = Measure.BestSeconds(() =>
            {
                input.AsSpan(0, batch * 784).CopyTo(network.InputBuffer(batch));
                network.Forward(batch, training: false);
                _ = network.Logits(batch)[0];
            }, runs, minSeconds);
            using var x = tensor(input.AsSpan(0, batch * 784).ToArray(), [batch, 784]);
            double torch = Measure.BestSeconds(() =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                _ = model.forward(x).data<float>()[0];
            }, runs, minSeconds);
            report.Add("11 device", $"inference, {kind}, batch {batch}, one thread: managed", managed * 1e3, "ms", "TorchSharp", torch * 1e3, "(target < 100 ms per inference)");
        }
    }

    private static async Task ProcessesAsync(Report report, int rounds)
    {
        string root = RepoRoot();
        string gatewayDll = Path.Combine(root, "src/Gateway/bin/Release/net10.0/EdgeFL.Gateway.dll");
        string deviceDll = Path.Combine(root, "src/DeviceClient/bin/Release/net10.0/EdgeFL.DeviceClient.dll");
        foreach (string dll in new[] { gatewayDll, deviceDll })
        {
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException("build first: dotnet build -c Release src/Gateway src/DeviceClient", dll);
            }
        }

        string dir = Directory.CreateTempSubdirectory("edgefl-bench-device-").FullName;
        try
        {
            string data = Path.Combine(dir, "data");
            FashionMnistSlice.Write(data, DeviceSamples, testSamples: 10);
            string key = Path.Combine(dir, "gateway.key");
            SigningKeyFiles.LoadOrGenerate(key, out _).Dispose();
            string model = Path.Combine(dir, "initial.efm");
            await ModelFile.SaveAsync(model, new ModelMessage("fmnist-mlp", 0, "init", 0, DateTimeOffset.UtcNow, ManagedModels.CreateInitial(ModelKind.Mlp, seed: 1))).ConfigureAwait(false);
            var torch = await RunDeviceAsync(gatewayDll, deviceDll, dir, data, key, model, "torch", rounds).ConfigureAwait(false);
            var managed = await RunDeviceAsync(gatewayDll, deviceDll, dir, data, key, model, "managed", rounds).ConfigureAwait(false);
            report.Add("11 device", $"device process start to its first trained update, MLP, {DeviceSamples} samples, 1 epoch: managed", managed.FirstUpdate, "s", "TorchSharp", torch.FirstUpdate);
            report.Add("11 device", $"device peak RSS (VmHWM) over {rounds} round(s), MLP: managed", managed.PeakRss / 1e6, "MB", "TorchSharp", torch.PeakRss / 1e6);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(double FirstUpdate, long PeakRss)> RunDeviceAsync(string gatewayDll, string deviceDll, string dir, string data, string key, string model, string backend, int rounds)
    {
        int port = TestPorts.Free();
        using var gateway = GatewayProcess.Start(gatewayDll,
        [
            $"--Gateway:InitialModelPath={model}",
            $"--Gateway:Broker:Port={port}",
            "--Gateway:Broker:AllowAnonymous=true",
            $"--Gateway:Signing:PrivateKeyPath={key}",
            "--Gateway:Rounds:WaitForDevices=1",
            $"--Gateway:Rounds:MaxRounds={rounds + 1}",
            "--Gateway:Rounds:Deadline=00:02:00",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        string state = Directory.CreateTempSubdirectory("edgefl-bench-device-state-").FullName;
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[]
        {
            deviceDll, "--Device:DeviceId=bench-dev", $"--Device:BrokerPort={port}", $"--Device:StateDirectory={state}",
            $"--Device:Data:Directory={data}", "--Device:Data:Shards=1", $"--Device:Signing:GatewayPublicKeyPath={SigningKeyFiles.PublicKeyPathFor(key)}",
            $"--Device:Training:Backend={backend}", "--Device:Training:Threads=1",
        })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment.Remove("NOTIFY_SOCKET");
        var output = new StringBuilder();
        var first = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        using var device = Process.Start(info)!;
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (line.Contains("trained round 1:", StringComparison.Ordinal))
            {
                first.TrySetResult(clock.Elapsed.TotalSeconds);
            }

            if (line.Contains($"trained round {rounds}:", StringComparison.Ordinal))
            {
                last.TrySetResult();
            }
        }

        device.OutputDataReceived += (_, e) => OnLine(e.Data);
        device.ErrorDataReceived += (_, e) => OnLine(e.Data);
        device.BeginOutputReadLine();
        device.BeginErrorReadLine();
        try
        {
            double firstUpdate = await first.Task.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            await last.Task.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            var (_, peak) = Measure.Memory(device.Id);
            Console.WriteLine($"  device ({backend}): first update {firstUpdate:F2} s after start, peak RSS {peak / 1e6:F0} MB over {rounds} round(s)");
            return (firstUpdate, peak);
        }
        catch (TimeoutException)
        {
            lock (output)
            {
                throw new TimeoutException($"the {backend} device did not train {rounds} round(s) in time:\n{output}\ngateway:\n{gateway.Output}");
            }
        }
        finally
        {
            device.Kill(entireProcessTree: true);
            await device.WaitForExitAsync().ConfigureAwait(false);
            Directory.Delete(state, recursive: true);
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeFL.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("EdgeFL.sln not found above " + AppContext.BaseDirectory);
    }
}
