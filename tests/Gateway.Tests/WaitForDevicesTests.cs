using System.Collections.Concurrent;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
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
        var issued = new ConcurrentQueue<DateTimeOffset>();
        await using var first = await _harness.DeviceAsync(port, "dev-a", (conn, model, ct) => Answer(conn, "dev-a", model, issued, ct));
        await GatewayHarness.WhenOnlineAsync(host, Timeout, "dev-a");

        // Without the wait, round 1 would have opened before this moment (at start, with nobody online),
        // and its model would say so: a round's model is stamped with the time it opened (in whole milliseconds).
        var beforeSecond = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await using var second = await _harness.DeviceAsync(port, "dev-b", (conn, model, ct) => Answer(conn, "dev-b", model, issued, ct));
        await observer.Finished.Task.WaitAsync(Timeout);
        var round = Assert.Single(observer.Rounds);
        Assert.Equal((1L, 2, RoundCloseReason.Quorum), (round.Round, round.Accepted, round.CloseReason));
        Assert.Equal(2, issued.Count);
        Assert.All(issued, at => Assert.True(at >= beforeSecond, $"round 1 opened at {at:O}, before the second device came at {beforeSecond:O}"));
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
        await using var only = await _harness.DeviceAsync(port, "dev-a", (conn, model, ct) => Answer(conn, "dev-a", model, new ConcurrentQueue<DateTimeOffset>(), ct));

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
        _harness.Errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    private Task Answer(MqttConnection conn, string id, ModelMessage model, ConcurrentQueue<DateTimeOffset> issued, CancellationToken ct)
    {
        issued.Enqueue(model.IssuedAt);
        var update = TestModels.Update(id, model.Round, 10, TestModels.Filled(1));
        return conn.PublishAsync(_topics.DeviceUpdate("gw", id), WireCodec.Encode(update), MqttQos.AtLeastOnce, false, ct);
    }
}
