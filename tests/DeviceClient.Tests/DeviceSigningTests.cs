using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;
using EdgeFL.DeviceClient.Power;
using EdgeFL.Tests.Shared;

namespace EdgeFL.DeviceClient.Tests;

/// <summary>A device over a real broker: what it does with models its gateway did not sign.</summary>
public sealed class DeviceSigningTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = FakeGateway.Timeout;
    private readonly FakeGateway _gw = new();

    public Task InitializeAsync() => _gw.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Device_RejectsModelsItsGatewayDidNotSign_CountsEach_AndTrainsOnlyOnTheSignedOne()
    {
        var trainer = new CountingTrainer();
        await using var device = _gw.Agent("dev-1", trainer, new SimulatedBattery(3000, 0.9));
        await device.StartAsync();
        await device.WaitConnectedAsync().WaitAsync(Timeout);

        using var gatewaySigner = _gw.Keys.Signer("gw");
        using var intruder = _gw.Keys.Signer("intruder");
        byte[] tampered = gatewaySigner.Encode(FakeGateway.Model(Tiny(), round: 1));
        tampered[tampered.Length / 2] ^= 0x01;
        byte[] signed = gatewaySigner.Encode(FakeGateway.Model(Tiny(), round: 2));
        byte[] shortSignature = [.. signed[..^66], 0xc4, 63, .. signed[^63..]];
        foreach (var (payload, reason) in new (byte[], string)[]
        {
            (tampered, nameof(SignatureVerdict.BadSignature)),
            (shortSignature, nameof(SignatureVerdict.MalformedSignature)),
            (signed[..^1], nameof(WireErrorReason.Truncated)),
            (intruder.Encode(FakeGateway.Model(Tiny(), round: 3)), nameof(SignatureVerdict.UnknownSigningKey)),
            (WireCodec.Encode(FakeGateway.Model(Tiny(), round: 4)), nameof(SignatureVerdict.Unsigned)),
        })
        {
            await _gw.PublishRawAsync(payload);
            await WaitUntilAsync(() => device.ModelsRejectedByReason.ContainsKey(reason), $"a {reason} rejection");
        }

        await _gw.PublishModelAsync(Tiny(), round: 5);
        var update = await _gw.NextAsync<DeviceUpdate>("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);

        Assert.Equal(5, update.Round);
        Assert.Equal(1, trainer.Calls);
        Assert.Equal(5, device.ModelsRejected);
        Assert.All(device.ModelsRejectedByReason.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Device_NotRequiringSignatures_LoadsAnUnsignedModel_ButStillRefusesATamperedOne()
    {
        var trainer = new CountingTrainer();
        await using var device = _gw.Agent("dev-2", trainer, new SimulatedBattery(3000, 0.9), new DeviceOptions { Signing = new() { RequireSignedModels = false } });
        await device.StartAsync();
        await device.WaitConnectedAsync().WaitAsync(Timeout);

        using var gatewaySigner = _gw.Keys.Signer("gw");
        byte[] tampered = gatewaySigner.Encode(FakeGateway.Model(Tiny(), round: 1));
        tampered[tampered.Length / 2] ^= 0x01;
        await _gw.PublishRawAsync(tampered);
        await WaitUntilAsync(() => device.ModelsRejected == 1, "the tampered model's rejection");

        await _gw.PublishRawAsync(WireCodec.Encode(FakeGateway.Model(Tiny(), round: 2)));
        var update = await _gw.NextAsync<DeviceUpdate>("update", p => WireCodec.TryDecodeUpdate(new(p), DecodeLimits.Default, out var u, out _) ? u : null);
        Assert.Equal(2, update.Round);
        Assert.Equal(1, trainer.Calls);
    }

    [Fact]
    public void Device_WithoutTheGatewaysKey_RefusesToStart_NamingTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new DeviceAgent(new DeviceOptions { DeviceId = "dev-3" }, new DeviceProfile(), new CountingTrainer(), new SimulatedBattery(3000, 0.9), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        Assert.Contains("Device:Signing:GatewayPublicKeyPath must be set", ex.Message, StringComparison.Ordinal);
    }

    private static ModelState Tiny() => new([NamedTensor.FromFloat32("w", [3], [1, 2, 3])]);

    private static Task WaitUntilAsync(Func<bool> condition, string what) => TestWait.UntilAsync(condition, what, Timeout);
}
