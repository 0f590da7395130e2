using EdgeFL.Gateway.Link;
using System.Globalization;
using EdgeFL.Core.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeFL.Gateway.Tests;

/// <summary>
/// Gateway:Broker:ReceiveBudgetBytes: unset, the budget becomes one update of the model being trained (so a
/// round costs a model or two above idle whatever the model's size); set, it stays as set.
/// </summary>
public sealed class ReceiveBudgetSizingTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GatewayHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(6)]       // a tiny model: the 1 MiB floor
    [InlineData(500_000)] // 2 MB of floats: one update
    public async Task Unset_TheEmbeddedBrokersBudget_IsOneUpdateOfTheModel(int floats)
    {
        long modelBytes = TestModels.Filled(0, size: floats).DataBytes;
        long expected = floats == 6 ? 1024 * 1024 : modelBytes + (64 * 1024);
        using var host = await StartAsync(floats, settings: []);
        var broker = Worker(host).Broker!;
        await TestWait.UntilAsync(() => broker.ReceiveBudgetBytes == expected, $"the budget sized to {expected} bytes (is {broker.ReceiveBudgetBytes})", Timeout);
        await host.StopAsync();
    }

    [Fact]
    public async Task Set_TheBudget_StaysAsSet()
    {
        int port = TestPorts.Free();
        using var host = await StartAsync(500_000, settings: new() { ["Gateway:Broker:ReceiveBudgetBytes"] = "3000000" }, port);
        await RoundOneOpenAsync(port);
        Assert.Equal(3_000_000, Worker(host).Broker!.ReceiveBudgetBytes);
        await host.StopAsync();
    }

    [Fact]
    public async Task Zero_MeansNoBudget()
    {
        int port = TestPorts.Free();
        using var host = await StartAsync(500_000, settings: new() { ["Gateway:Broker:ReceiveBudgetBytes"] = "0" }, port);
        await RoundOneOpenAsync(port);
        Assert.Equal(0, Worker(host).Broker!.ReceiveBudgetBytes);
        await host.StopAsync();
    }

    [Fact]
    public async Task WithMosquitto_TheGatewaysClientBudget_IsSizedTheSameWay()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        using var host = await StartAsync(500_000, port: mosquitto.Port, settings: new() { ["Gateway:Broker:Embedded"] = "false", ["Gateway:Broker:Host"] = "127.0.0.1" });
        var worker = Worker(host);
        Assert.Null(worker.Broker);
        long expected = TestModels.Filled(0, size: 500_000).DataBytes + (64 * 1024);
        await TestWait.UntilAsync(() => worker.Connection?.ReceiveBudgetBytes == expected, "the client's budget sized to the model", Timeout);
        await host.StopAsync();
    }

    /// <summary>
    /// Returns once a device has the model of round 1: the gateway sizes the budget as it opens a round,
    /// before it publishes the round's model, so a budget left as set is not one not yet sized.
    /// </summary>
    private async Task RoundOneOpenAsync(int port)
    {
        var roundOne = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var device = await _harness.DeviceAsync(port, "dev-a", (_, model, _) =>
        {
            if (model.Round == 1)
            {
                roundOne.TrySetResult();
            }

            return Task.CompletedTask;
        }, online: false);
        await roundOne.Task.WaitAsync(Timeout);
    }

    private static DeviceLink Worker(IHost host) => host.Services.GetRequiredService<DeviceLink>();

    private async Task<IHost> StartAsync(int floats, Dictionary<string, string?> settings, int? port = null)
    {
        string modelPath = Path.Combine(_harness.Directory, $"model-{floats.ToString(CultureInfo.InvariantCulture)}.efm");
        await ModelFile.SaveAsync(modelPath, TestModels.Message(TestModels.Filled(0, size: floats)));
        var host = _harness.BuildHost(port ?? TestPorts.Free(), modelPath, new RecordingObserver(), maxRounds: 1, quorum: 1, deadline: TimeSpan.FromMinutes(5), settings: settings);
        await host.StartAsync();
        return host;
    }
}
