using System.Collections.Concurrent;
using System.Globalization;
using EdgeFL.CloudBridge;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeFL.Emulation.Tests;

/// <summary>
/// A Raspberry Pi-class tier on this x64 machine: the gateway (self-contained) and the device (self-contained,
/// trimmed, so without libtorch) are published for linux-arm64 and run under qemu-user, against an x64 cloud
/// aggregator in this process. Rounds close, and the arm64 device's updates are accepted and reach the global model.
/// Emulated start-up takes about 30 s per process: the waits are long, and each ends on the event it waits for.
/// </summary>
public sealed class Arm64RoundTests(ITestOutputHelper output) : IDisposable
{
    private const string Qemu = "/usr/bin/qemu-aarch64-static";
    private const int TrainSamples = 320;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(10);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-arm64-").FullName;
    private readonly ErrorLog _errors = new();

    public void Dispose()
    {
        _errors.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Arm64GatewayAndDevice_UnderQemu_CloseRounds_AndTheDevicesUpdatesReachTheGlobalModel()
    {
        Assert.True(File.Exists(Qemu), $"{Qemu} is missing: apt-get install qemu-user-static, and libc6:arm64 libstdc++6:arm64 libicu72:arm64 libssl3:arm64 zlib1g:arm64 (.ci/run installs them)");
        var gatewayBuild = await Publisher.PublishAsync("Gateway", "gateway-linux-arm64", "-r", "linux-arm64", "--self-contained", "true");
        Assert.True(gatewayBuild.ExitCode == 0, gatewayBuild.Log);
        var deviceBuild = await Publisher.PublishAsync("DeviceClient", "device-linux-arm64-trimmed", "-r", "linux-arm64", "--self-contained", "true", "-p:PublishTrimmed=true");
        Assert.True(deviceBuild.ExitCode == 0, deviceBuild.Log);
        Assert.Empty(Directory.EnumerateFiles(deviceBuild.Directory, "*torch*", SearchOption.AllDirectories));
        output.WriteLine($"published: gateway {gatewayBuild.Bytes / 1e6:F1} MB, trimmed device {deviceBuild.Bytes / 1e6:F1} MB");

        string data = Path.Combine(_dir, "fashion-mnist");
        FashionMnistSlice.Write(data, TrainSamples, testSamples: 10);
        var keys = new TestKeys(Path.Combine(_dir, "keys"));
        var initial = ManagedModels.CreateInitial(ModelKind.Mlp, seed: 5);
        string modelPath = Path.Combine(_dir, "initial.msgpack");
        await ModelFile.SaveAsync(modelPath, new ModelMessage("fmnist-mlp", 0, "init", 0, DateTimeOffset.UtcNow, initial));

        var globals = new ConcurrentQueue<ModelMessage>();
        int cloudPort = TestPorts.Free();
        using var cloud = BuildCloud(cloudPort, modelPath, keys, globals);
        await cloud.StartAsync();

        int gatewayPort = TestPorts.Free();
        await using var gateway = EmulatedProcess.Start("arm64 gateway", Qemu, gatewayBuild.Directory, "EdgeFL.Gateway",
        [
            "--Gateway:GatewayId=gw-arm",
            $"--Gateway:InitialModelPath={modelPath}",
            $"--Gateway:StateDirectory={Folder("gateway-state")}",
            $"--Gateway:Broker:Port={gatewayPort}",
            "--Gateway:Broker:AllowAnonymous=true",
            "--Gateway:Rounds:MaxRounds=3",
            "--Gateway:Rounds:SyncEvery=1",
            "--Gateway:Rounds:Deadline=00:03:00",
            "--Gateway:Rounds:WaitForDevices=1",
            "--Gateway:Rounds:GlobalModelTimeout=00:03:00",
            "--Gateway:Cloud:Enabled=true",
            $"--Gateway:Cloud:Port={cloudPort}",
            $"--Gateway:Signing:PrivateKeyPath={keys.PrivateKey("gw-arm")}",
            $"--Gateway:Signing:CloudPublicKeyPath={keys.PublicKey("cloud")}",
        ], _dir);
        await using var device = EmulatedProcess.Start("arm64 device", Qemu, deviceBuild.Directory, "EdgeFL.DeviceClient",
        [
            "--Device:DeviceId=arm-dev-1",
            "--Device:GatewayId=gw-arm",
            $"--Device:BrokerPort={gatewayPort}",
            $"--Device:StateDirectory={Folder("device-state")}",
            $"--Device:Data:Directory={data}",
            "--Device:Data:Shards=1",
            $"--Device:Signing:GatewayPublicKeyPath={keys.PublicKey("gw-arm")}",
            "--Device:Training:Threads=1",
        ], _dir);
        try
        {
            // No TorchSharp in this build: auto picks the managed backend and says so (event 4101).
            await device.WaitForLineAsync("training backend managed (auto:", StartTimeout);
            await gateway.WaitForLineAsync("Embedded MQTT broker listening", StartTimeout);

            // The arm64 device trains, the arm64 gateway accepts its update, closes the round and uploads it; the x64
            // cloud folds it into the global model, which goes back down: twice, so rounds keep closing.
            await TestWait.UntilAsync(() => globals.Count(g => g.Round >= 1) >= 2, "two global models built from the arm64 tier's uploads", RoundTimeout);
            await device.WaitForLineAsync("arm-dev-1: trained round 2", RoundTimeout);

            var built = globals.Where(g => g.Round >= 1).ToArray();
            output.WriteLine("global models: " + string.Join("; ", built.Select(g => string.Create(CultureInfo.InvariantCulture, $"round {g.Round}, {g.TotalSamples} samples"))));
            Assert.All(built, g => Assert.Equal(TrainSamples, g.TotalSamples)); // every sample is the arm64 device's
            Assert.All(built, g => Assert.True(g.Model.HasSameLayout(initial)));
            Assert.NotEqual(initial.Tensors[0].Data.ToArray(), built[^1].Model.Tensors[0].Data.ToArray()); // its training moved the weights
            Assert.DoesNotContain("fail:", gateway.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("fail:", device.Output, StringComparison.Ordinal);
            Assert.Empty(_errors.Unexpected());
        }
        catch
        {
            output.WriteLine("gateway output:\n" + gateway.Output);
            output.WriteLine("device output:\n" + device.Output);
            throw;
        }
        finally
        {
            await cloud.StopAsync();
        }
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    private IHost BuildCloud(int port, string modelPath, TestKeys keys, ConcurrentQueue<ModelMessage> globals)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:EmbeddedBroker"] = "true",
            ["Cloud:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:AllowAnonymous"] = "true",
            ["Cloud:ExpectedGateways"] = "1",
            ["Cloud:InitialModelPath"] = modelPath,
            ["Cloud:StateDirectory"] = ":memory:",
            ["Cloud:Signing:PrivateKeyPath"] = keys.PrivateKey("cloud"),
        });
        builder.Logging.AddProvider(_errors.For("cloud"));
        builder.Services.AddSingleton<ICloudObserver>(new Recorder(globals));
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        return builder.Build();
    }

    private sealed class Recorder(ConcurrentQueue<ModelMessage> globals) : ICloudObserver
    {
        public void GlobalPublished(ModelMessage global, int gateways) => globals.Enqueue(global);
    }
}
