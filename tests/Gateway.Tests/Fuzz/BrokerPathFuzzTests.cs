using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// Ingress 1 over the network: 500 mutated and random update payloads published by authenticated
/// devices through the gateway's embedded broker to a running gateway service (the whole path: broker,
/// MQTT client, handler, coordinator). The service must count every one and keep running; then honest
/// devices take the rounds to quorum up to the third, which holds their answers only and must be
/// exactly their weighted average. (Fuzzed updates that were accepted close round 1 at once: the devices
/// that answered count as expected. Those trained on round 1 can still count, discounted, in round 2.)
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class BrokerPathFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Inputs = 500;
    private const int FuzzDevices = 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly GatewayHarness _harness = new();
    private readonly TopicScheme _topics = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task MutatedUpdates_ThroughTheEmbeddedBroker_LeaveTheGatewayRunningAndExact()
    {
        int port = TestPorts.Free();
        // The oracle weighs by claimed sample counts: the fleet-relative cap is off (SampleBoundTests covers it).
        var (host, observer) = await _harness.StartAsync(port, maxRounds: 3, quorum: 1.0, deadline: TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["Gateway:Updates:MaxSampleRatio"] = "0" });
        using var disposeHost = host;
        var metrics = host.Services.GetRequiredService<GatewayMetrics>();

        // Devices that send only fuzz: not announced online, so the quorum does not wait for them.
        var opened = new TaskCompletionSource<ModelMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fuzzers = new List<MqttConnection>();
        for (int k = 0; k < FuzzDevices; k++)
        {
            fuzzers.Add(await _harness.DeviceAsync(port, $"fz-{k}", (_, model, _) => Task.FromResult(opened.TrySetResult(model)), online: false));
        }

        try
        {
            var round = await opened.Task.WaitAsync(Timeout);
            var mutator = new FuzzMutator(FuzzCampaign.Seed);
            var seeds = Enumerable.Range(0, FuzzDevices).Select(k => new List<byte[]>
            {
                WireCodec.Encode(TestModels.Update($"fz-{k}", round.Round, 10 + k, ModelOracle.Perturbed(round.Model, mutator.Random))),
                WireCodec.Encode(TestModels.Update($"fz-{k}", round.Round, 20 + k, Core.Models.Quantizer.Quantize(ModelOracle.Perturbed(round.Model, mutator.Random)))),
            }).ToList();
            for (int i = 0; i < Inputs; i++)
            {
                int k = mutator.Random.Next(FuzzDevices);
                byte[] payload = mutator.Next(seeds[k], out _);
                try
                {
                    await fuzzers[k].PublishAsync(_topics.DeviceUpdate("gw", $"fz-{k}"), payload, MqttQos.AtLeastOnce, retain: false);
                }
                catch (MqttPublishRejectedException)
                {
                    // The PUBACK told the fuzzer its update was refused (docs/PROTOCOL.md 4.4): as it should.
                }
            }

            await TestWait.UntilAsync(() => metrics.Accepted + metrics.Rejected >= Inputs, "every fuzzed update handled", Timeout);
        }
        finally
        {
            foreach (var f in fuzzers)
            {
                await f.DisposeAsync();
            }
        }

        long fuzzAccepted = metrics.Accepted;
        output.WriteLine($"broker path: {Inputs} inputs, {fuzzAccepted} accepted, {metrics.Rejected} rejected ({string.Join(", ", metrics.RejectedByReason.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"))})");
        Assert.Equal(Inputs, fuzzAccepted + metrics.Rejected);
        Assert.True(fuzzAccepted > 0 && metrics.Rejected > 0);

        // Then honest devices: the third round is theirs alone, exactly their weighted mean.
        // They answer only once the gateway sees both online, so that no round closes on one of them alone.
        var bothOnline = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await _harness.DeviceAsync(port, "dev-a", async (conn, model, ct) => { await bothOnline.Task; await Answer(conn, "dev-a", model, 100, 2, ct); });
        await using var b = await _harness.DeviceAsync(port, "dev-b", async (conn, model, ct) => { await bothOnline.Task; await Answer(conn, "dev-b", model, 300, 4, ct); });
        await GatewayHarness.WhenOnlineAsync(host, Timeout, "dev-a", "dev-b");
        bothOnline.SetResult();
        await observer.Finished.Task.WaitAsync(Timeout);

        var rounds = observer.Rounds.OrderBy(r => r.Round).ToArray();
        Assert.Equal([1L, 2L, 3L], rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal(RoundCloseReason.Quorum, r.CloseReason));
        Assert.Equal(2, rounds[2].Accepted);
        var model = host.Services.GetRequiredService<RoundCoordinator>().Snapshot(0).Model;
        Assert.All(model.Tensors[0].AsFloat32().ToArray(), v => Assert.Equal(3.5f, v)); // (100 x 2 + 300 x 4) / 400
        Assert.True(metrics.Accepted >= fuzzAccepted + 4, $"{metrics.Accepted} accepted in all"); // the honest devices answered rounds 2 and 3, at least
        await host.StopAsync();
    }

    private Task Answer(MqttConnection connection, string device, ModelMessage model, long samples, float value, CancellationToken cancellationToken) =>
        connection.PublishAsync(_topics.DeviceUpdate("gw", device), WireCodec.Encode(TestModels.Update(device, model.Round, samples, TestModels.Filled(value))), MqttQos.AtLeastOnce, false, cancellationToken);
}
