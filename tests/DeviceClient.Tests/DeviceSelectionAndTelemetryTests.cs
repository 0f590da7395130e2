using System.Device.Gpio;
using System.Threading.Channels;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.DeviceClient.Hosting;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Tests.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.DeviceClient.Tests;

public sealed class DeviceSelectionAndTelemetryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = FakeGateway.Timeout;
    private readonly FakeGateway _gw = new();

    public Task InitializeAsync() => _gw.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Device_NotInTheSelectedList_DeclinesNotSelected_WithoutTraining()
    {
        var trainer = new CountingTrainer();
        await using var device = _gw.Agent("dev-1", trainer, new SimulatedBattery(3000, 0.9));
        await device.StartAsync();
        await _gw.PublishModelAsync(new ModelState([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]), 1, ["dev-2", "dev-3"]);

        var decline = await _gw.NextAsync("decline", p => WireCodec.TryDecodeDecline(new(p), DecodeLimits.Default, out var d, out _) ? d : null);

        Assert.Equal(new RoundDecline("dev-1", 1, "not-selected"), decline);
        Assert.Equal(0, trainer.Calls);
        Assert.Equal(1, device.RoundsNotSelected);
        Assert.Equal(0, device.RoundsDeclined);
    }

    [Fact]
    public async Task Device_InTheSelectedList_Trains()
    {
        var trainer = new CountingTrainer();
        await using var device = _gw.Agent("dev-2", trainer, new SimulatedBattery(3000, 0.9));
        await device.StartAsync();
        await _gw.PublishModelAsync(new ModelState([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]), 4, ["dev-2"]);

        var update = await _gw.NextAsync("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);
        Assert.Equal(("dev-2", 4L), (update.DeviceId, update.Round));
    }

    [Fact]
    public async Task Device_PublishesTelemetry_FromItsProfileAndPowerSource()
    {
        var profile = new DeviceProfile { ComputeFlops = 1.5e9, MemoryMb = 300, BandwidthKbps = 800 };
        await using var device = _gw.Agent("dev-3", new CountingTrainer(), new SimulatedBattery(3000, 0.66, charging: true), new DeviceOptions { SimulateCost = true }, profile);
        await device.StartAsync();

        var telemetry = await _gw.NextAsync("telemetry", p => WireCodec.TryDecodeTelemetry(new(p), DecodeLimits.Default, out var t, out _) ? t : null);

        Assert.Equal("dev-3", telemetry.DeviceId);
        Assert.Equal(0.66, telemetry.BatteryLevel, 6);
        Assert.True(telemetry.Charging);
        Assert.Equal(2, telemetry.ComputeTier);
        Assert.Equal(300, telemetry.FreeMemoryMb);
        Assert.Equal(800, telemetry.BandwidthKbps);
        // The tutorial's cost model until a round was measured: 0.1 x 1 x 50 / 16 x (1e10 / 1.5e9).
        Assert.Equal(EnergyModel.SimulatedTrainingSeconds(1, 50, 16, 1.5e9), telemetry.EstimatedTrainingSeconds, 6);
    }

    [Fact]
    public async Task Device_GpioLowBatteryEdge_PublishesTelemetryAtOnce()
    {
        var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using var power = new GpioPowerSource(new GpioPowerOptions { Pin = 5, LowLevel = 0.05 }, controller);
        await using var device = _gw.Agent("dev-4", new CountingTrainer(), power);
        device.TelemetryInterval = TimeSpan.FromHours(1);
        await device.StartAsync();
        var first = await _gw.NextAsync("telemetry", p => WireCodec.TryDecodeTelemetry(new(p), DecodeLimits.Default, out var t, out _) ? t : null);
        Assert.Equal(1.0, first.BatteryLevel);

        driver.SetInput(5, PinValue.Low);

        var low = await _gw.NextAsync("telemetry", p => WireCodec.TryDecodeTelemetry(new(p), DecodeLimits.Default, out var t, out _) is true && t!.BatteryLevel < 1 ? t : null);
        Assert.Equal(0.05, low.BatteryLevel);
    }

    [Theory]
    [InlineData(64, 1000, 0.05, 64)] // 3.2 MiB of activations against a 250 MiB budget
    [InlineData(64, 100, 2.0, 8)]    // MobileNet: 25 MiB budget fits 12 samples: 64 -> 32 -> 16 -> 8
    [InlineData(16, 0, 2.0, 1)]      // nothing free: one sample at a time
    [InlineData(1, 1, 100, 1)]
    public void BatchSizePolicy_HalvesUntilActivationsFitAQuarterOfFreeMemory(int configured, double freeMb, double mbPerSample, int expected) =>
        Assert.Equal(expected, BatchSizePolicy.Fit(configured, freeMb, mbPerSample));

    [Fact]
    public void Validators_NameTheKeys()
    {
        Assert.Contains("Device:DeviceId", new DeviceOptionsValidator().Validate(null, new DeviceOptions()).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Device:Data:Shard", new DeviceDataOptionsValidator().Validate(null, new DeviceDataOptions { Shard = 20 }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Device:Data:Model", new DeviceDataOptionsValidator().Validate(null, new DeviceDataOptions { Model = (EdgeFL.Training.Models.ModelKind)7 }).FailureMessage, StringComparison.Ordinal);
        var profile = new DeviceProfileValidator().Validate(null, new DeviceProfile { MemoryMb = 0, BatteryLevel = 2 }).FailureMessage;
        Assert.Contains("Device:Profile:MemoryMb", profile, StringComparison.Ordinal);
        Assert.Contains("Device:Profile:BatteryLevel", profile, StringComparison.Ordinal);
        Assert.Contains("Device:Training:BatchSize", new TrainerOptionsValidator().Validate(null, new TrainerOptions { BatchSize = 0 }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Device:Telemetry:Interval", new DeviceTelemetryOptionsValidator().Validate(null, new DeviceTelemetryOptions { Interval = TimeSpan.Zero }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Device:Signing:GatewayPublicKeyPath must be set", new DeviceOptionsValidator().Validate(null, new DeviceOptions { DeviceId = "dev-1" }).FailureMessage, StringComparison.Ordinal);
        Assert.True(new DeviceOptionsValidator().Validate(null, new DeviceOptions { DeviceId = "dev-1", Signing = new() { GatewayPublicKeyPath = _gw.Keys.PublicKey("gw") } }).Succeeded);
        Assert.True(new DeviceOptionsValidator().Validate(null, new DeviceOptions { DeviceId = "dev-1", Signing = new() { RequireSignedModels = false } }).Succeeded);
    }
}
