using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Tests;

/// <summary>Gateway:Rounds:WaitForDevices: the first round opens once enough devices are online, or after the timeout.</summary>
public sealed class WaitForDevicesTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GatewayHarness _harness = new();
    private readonly TopicScheme _topics = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task FirstRound_WaitsForTheDevices_SoThatItIsEveryonesRound()
    {
        int port = TestPorts.Free();
        var (host, observer) = await _harness.StartAsync(port, maxRounds: 1, quorum: 1.0, settings: new Dictionary<string, string?>
        {
            ["Gateway:Rounds:WaitForDevices"] = "2",
        });
        using var disposeHost = host;
        var modelsSeen = 0;
        await using var first = await _harness.DeviceAsync(port, "dev-a", (conn, model, ct) => Answer(conn, "dev-a", model, ref modelsSeen, ct));
        await GatewayHarness.WhenOnlineAsync(host, Timeout, "dev-a");

        // Without the wait, round 1 would open now and close on dev-a alone as soon as it answered.
        await Task.Delay(500);
        Assert.Equal(0, Volatile.Read(ref modelsSeen));
        Assert.Empty(observer.Rounds);

        await using var second = await _harness.DeviceAsync(port, "dev-b", (conn, model, ct) => Answer(conn, "dev-b", model, ref modelsSeen, ct));
        await observer.Finished.Task.WaitAsync(Timeout);
        var round = Assert.Single(observer.Rounds);
        Assert.Equal((1L, 2, RoundCloseReason.Quorum), (round.Round, round.Accepted, round.CloseReason));
    }

    [Fact]
    public async Task FirstRound_OpensAfterTheTimeout_WithTheDevicesOnline()
    {
        int port = TestPorts.Free();
        var (host, observer) = await _harness.StartAsync(port, maxRounds: 1, quorum: 1.0, settings: new Dictionary<string, string?>
        {
            ["Gateway:Rounds:WaitForDevices"] = "3",
            ["Gateway:Rounds:WaitForDevicesTimeout"] = "00:00:01",
        });
        using var disposeHost = host;
        var modelsSeen = 0;
        await using var only = await _harness.DeviceAsync(port, "dev-a", (conn, model, ct) => Answer(conn, "dev-a", model, ref modelsSeen, ct));

        await observer.Finished.Task.WaitAsync(Timeout);
        var round = Assert.Single(observer.Rounds);
        Assert.Equal((1L, 1, RoundCloseReason.Quorum), (round.Round, round.Accepted, round.CloseReason));
    }

    [Theory]
    [InlineData("Gateway:Rounds:WaitForDevices", "-1")]
    [InlineData("Gateway:Rounds:WaitForDevicesTimeout", "-00:00:01")]
    public async Task BadSetting_IsRefusedAtStart_NamingTheKey(string key, string value)
    {
        string modelPath = Path.Combine(_harness.Directory, "initial.efm");
        await Core.Storage.ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0)));
        using var host = _harness.BuildHost(TestPorts.Free(), modelPath, new RecordingObserver(), maxRounds: 1, quorum: 1, settings: new Dictionary<string, string?> { [key] = value });
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    private Task Answer(MqttConnection conn, string id, ModelMessage model, ref int modelsSeen, CancellationToken ct)
    {
        Interlocked.Increment(ref modelsSeen);
        var update = TestModels.Update(id, model.Round, 10, TestModels.Filled(1));
        return conn.PublishAsync(_topics.DeviceUpdate("gw", id), WireCodec.Encode(update), MqttQos.AtLeastOnce, false, ct);
    }
}
