using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeFL.Gateway.Tests;

public sealed class GatewayServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GatewayHarness _harness = new();
    private readonly TopicScheme _topics = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _harness.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Gateway_RunsRoundsOverRealMqtt_AndPublishesTheAggregate()
    {
        int port = TestPorts.Free();
        var (host, observer) = await _harness.StartAsync(port, maxRounds: 2, quorum: 1.0);
        using var disposeHost = host;

        // Two devices that answer every round: one trains (value = round), one declines. They answer once
        // the gateway sees both online, so that round 1 cannot close on the first alone.
        var bothOnline = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var trainer = await _harness.DeviceAsync(port, "dev-a", async (conn, model, ct) =>
        {
            await bothOnline.Task;
            var update = TestModels.Update("dev-a", model.Round, 100, TestModels.Filled(model.Round * 10));
            await conn.PublishAsync(_topics.DeviceUpdate("gw", "dev-a"), WireCodec.Encode(update), MqttQos.AtLeastOnce, false, ct);
        });
        await using var decliner = await _harness.DeviceAsync(port, "dev-b", async (conn, model, ct) =>
        {
            await bothOnline.Task;
            await conn.PublishAsync(_topics.DeviceDecline("gw", "dev-b"), WireCodec.Encode(new RoundDecline("dev-b", model.Round, "battery")), MqttQos.AtLeastOnce, false, ct);
        });
        await GatewayHarness.WhenOnlineAsync(host, Timeout, "dev-a", "dev-b");
        bothOnline.SetResult();

        await observer.Finished.Task.WaitAsync(Timeout);
        var rounds = observer.Rounds.OrderBy(r => r.Round).ToArray();
        Assert.Equal([1L, 2L], rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal((1, 1, RoundCloseReason.Quorum), (r.Accepted, r.Declined, r.CloseReason)));
        var metrics = host.Services.GetRequiredService<GatewayMetrics>();
        Assert.Equal(2, metrics.Accepted);
        Assert.Equal(2, metrics.Declined);

        // No key configured: the gateway made one in its state folder, readable by its owner only (the
        // test devices above verified every model against its public key).
        TestKeys.AssertOwnerOnly(Path.Combine(_harness.Directory, "state", "gateway.key"));
        await host.WaitForShutdownAsync().WaitAsync(Timeout);
    }

    [Fact]
    public async Task Gateway_ClosesOnDeadline_WhenAnOnlineDeviceNeverAnswers()
    {
        int port = TestPorts.Free();
        var (host, observer) = await _harness.StartAsync(port, maxRounds: 1, quorum: 1.0, deadline: TimeSpan.FromSeconds(1));
        using var disposeHost = host;
        await using var silent = await _harness.DeviceAsync(port, "dev-silent", (_, _, _) => Task.CompletedTask);

        await observer.Finished.Task.WaitAsync(Timeout);
        var round = Assert.Single(observer.Rounds);
        Assert.Equal(RoundCloseReason.Deadline, round.CloseReason);
        Assert.False(round.ModelUpdated);
    }

    [Fact]
    public async Task Gateway_StopsWithAnError_WhenItsInitialModelIsNotFinite()
    {
        // Found by fuzzing the model file: the first model was adopted without any check.
        string modelPath = Path.Combine(_harness.Directory, "nan.efm");
        await Core.Storage.ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(float.NaN)));
        using var host = _harness.BuildHost(TestPorts.Free(), modelPath, new RecordingObserver(), maxRounds: 1, quorum: 1);
        _harness.Errors.Expect(ErrorLog.BackgroundServiceFaulted, ErrorLog.HostStoppedByFault); // the fatal error the test causes
        await host.StartAsync();
        await host.WaitForShutdownAsync().WaitAsync(Timeout);
        Assert.False(host.Services.GetRequiredService<RoundCoordinator>().HasModel);
    }

    [Fact]
    public async Task Gateway_RefusesToStart_WithoutAModelSource()
    {
        using var host = _harness.BuildHost(TestPorts.Free(), modelPath: null, new RecordingObserver(), maxRounds: 1, quorum: 1);
        _harness.Errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Gateway:InitialModelPath", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_ReportsEveryBadKey_AtStart()
    {
        using var host = _harness.BuildHost(TestPorts.Free(), Path.Combine(_harness.Directory, "missing.efm"), new RecordingObserver(), maxRounds: 1, quorum: 1.5);
        _harness.Errors.Expect(ErrorLog.HostFailedToStart); // the host refuses the options, on purpose
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Gateway:Rounds:QuorumFraction", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:InitialModelPath", ex.Message, StringComparison.Ordinal);
    }
}
