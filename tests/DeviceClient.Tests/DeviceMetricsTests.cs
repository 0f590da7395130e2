using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using EdgeFL.DeviceClient.Power;
using EdgeFL.Tests.Shared;

namespace EdgeFL.DeviceClient.Tests;

public sealed class DeviceMetricsTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = FakeGateway.Timeout;
    private readonly FakeGateway _gw = new();

    public Task InitializeAsync() => _gw.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    private static ModelState Tiny() => new([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]);

    [Fact]
    public async Task ADecline_AndARejectedModel_AreRecordedByTheirInstruments()
    {
        await using var device = _gw.Agent("dev-1", new CountingTrainer(), new SimulatedBattery(3000, 0.15));
        using var reader = new MeterReader(device.Meter);
        await device.StartAsync();
        await _gw.PublishModelAsync(Tiny(), round: 1);
        await _gw.NextAsync<RoundDecline>("decline", p => WireCodec.TryDecodeDecline(new(p), DecodeLimits.Default, out var d, out _) ? d : null);

        Assert.Equal(1, reader.Read("edgefl.device.rounds.declined", "battery"));
        Assert.Equal(0, reader.Read("edgefl.device.rounds.trained"));

        await _gw.PublishRawAsync([1, 2, 3]);
        await TestWait.UntilAsync(() => device.ModelsRejected == 1, "the bad model rejected", Timeout);
        var (reason, count) = Assert.Single(device.ModelsRejectedByReason);
        Assert.Equal(count, reader.Read("edgefl.device.models.rejected", reason));
    }

    [Fact]
    public async Task ATrainedRound_IsRecorded_WithItsEnergy()
    {
        await using var device = _gw.Agent("dev-2", new CountingTrainer(), new SimulatedBattery(3000, 0.9));
        using var reader = new MeterReader(device.Meter);
        await device.StartAsync();
        await _gw.PublishModelAsync(Tiny(), round: 1);
        await _gw.NextAsync<DeviceUpdate>("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);

        Assert.Equal(1, reader.Read("edgefl.device.rounds.trained"));
        Assert.Equal(device.EnergyMah, reader.Read("edgefl.device.energy"));
        Assert.Equal(0, reader.Read("edgefl.device.updates.dropped"));
        Assert.Equal(EdgeFlMeters.Device, device.Meter.Name);
        Assert.Contains(device.Meter.Tags!, t => t is { Key: DeviceAgent.DeviceIdTag, Value: "dev-2" });
        Assert.All(reader.Instruments, i => Assert.False(string.IsNullOrEmpty(i.Unit) || string.IsNullOrEmpty(i.Description), i.Name));
        Assert.Equal(8 + 7, reader.Instruments.Count); // the device's own and its model chunk assembler's (edgefl.device.chunks.*, chunk_transfers.*)
    }
}
