using System.Globalization;
using EdgeFL.Core.Validation;
using EdgeFL.Tests.Shared.Logging;
using Xunit.Abstractions;

namespace EdgeFL.Simulator.Tests;

/// <summary>
/// Issue 5 item 4, run for real: the demo (devices training with TorchSharp on Fashion-MNIST, gateways and a
/// cloud over MQTT) five ways on one seed: clean, then for each of two attacks by 20% hostile devices
/// (scaled and sign-flipped updates) plain FedAvg and a robust choice: the coordinate-wise median at the
/// gateways and the cloud for scaled updates, the median plus the gateways' relative norm bound
/// (Gateway:Updates:MaxNormRatio 3, Reject) for sign-flipped ones. FedAvg must collapse; the robust
/// choice must stay within 2 points of the clean run.
/// </summary>
/// <remarks>
/// Reduced size: 10 devices behind 2 gateways (one hostile device per gateway, as in the full demo's
/// 20 behind 4), every device online and training every round, so each round's median sees the same
/// five updates whatever the timing, and milder label skew (Dirichlet 5, not 0.5): with only five
/// devices per gateway and ten rounds, the median of strongly skewed shards trails FedAvg by a few points
/// even without an attack (at full size it catches up; docs/ROBUSTNESS.md has those figures). Each
/// gateway's first round waits until its five devices are online (Gateway:Rounds:WaitForDevices), so
/// every round is the same five devices however slowly they connect under load. Checked
/// on seeds 1-3 before choosing seed 1: clean 0.798-0.816, hostile FedAvg 0.28-0.37, hostile median
/// 0.3-0.9 points above clean.
/// </remarks>
public sealed class HostileDemoTests(ITestOutputHelper testOutput) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-hostile-").FullName;
    private readonly ErrorLog _errors = new();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    private DemoOptions Small() => new()
    {
        Devices = 10,
        Gateways = 2,
        Rounds = 10,
        SyncEvery = 2,
        TrainSamples = 30000,
        TestSamples = 2000,
        OfflineFraction = 0,
        Alpha = 5,
        Selection = EdgeFL.Gateway.Selection.SelectionMode.All,
        Seed = 1,
        RoundDeadline = TimeSpan.FromSeconds(30),
        CsvPath = Path.Combine(_dir, "history.csv"),
    };

    [Fact]
    public async Task HostileDevices_CollapseFedAvg_WhileTheRobustChoiceStaysNearClean()
    {
        var log = new StringWriter();
        double clean = await RunAsync(Small(), "clean", log);

        // Scaled updates (base + 10 x change): the coordinate-wise median outvotes them.
        var scaled = Small() with { HostileFraction = 0.2, Attack = AttackKind.Scale, AttackScale = 10 };
        double scaledFedAvg = await RunAsync(scaled, "scale, fedavg", log);
        double scaledMedian = await RunAsync(scaled with { Aggregation = "median" }, "scale, median", log);

        // Sign-flipped updates (base - 10 x change): the median alone is pulled against the descent
        // direction when shards are skewed (docs/ROBUSTNESS.md); the relative norm bound refuses updates
        // over 3 x the last round's median change, and the median covers round 1, before a reference exists.
        var flipped = Small() with { HostileFraction = 0.2, Attack = AttackKind.SignFlip, AttackScale = 10 };
        double flippedFedAvg = await RunAsync(flipped, "sign-flip, fedavg", log);
        double flippedRobust = await RunAsync(flipped with { Aggregation = "median", MaxNormRatio = 3, NormPolicy = NormPolicy.Reject }, "sign-flip, median + norm ratio 3 (reject)", log);

        string figures = string.Create(CultureInfo.InvariantCulture,
            $"clean {clean:F4}; scale: fedavg {scaledFedAvg:F4}, median {scaledMedian:F4}; sign-flip: fedavg {flippedFedAvg:F4}, median + ratio {flippedRobust:F4}\n{log}");
        testOutput.WriteLine(figures);
        Assert.True(clean > 0.7, figures);
        Assert.True(scaledFedAvg < clean - 0.2, figures);
        Assert.True(flippedFedAvg < clean - 0.2, figures);
        Assert.True(scaledMedian >= clean - 0.02, figures);
        Assert.True(flippedRobust >= clean - 0.02, figures);
    }

    private async Task<double> RunAsync(DemoOptions options, string label, StringWriter log)
    {
        var output = new StringWriter();
        if (options.HostileFraction > 0)
        {
            // Under the attack a device may fail a round's training on the model it was sent (DeviceLog.TrainingFailed:
            // TorchSharp's add_ refuses a scalar beyond float's range). With FedAvg that is the collapse this test shows;
            // it was also seen once in a robust run (sign-flip, median + ratio; CI of the round-refactor stop), whose
            // accuracy still met the bar. The cause is not found yet (OPERATIONS.md, "Known problems").
            _errors.Expect(e => e.Source == label && e.EventId.Id == 4006);
        }

        var runner = new DemoRunner(options, output) { ErrorSink = _errors.For(label) };
        double accuracy = await runner.RunAsync();
        Assert.Equal(options.HostileFraction > 0 ? 2 : 0, runner.HostileDeviceIds.Count);
        log.WriteLine($"--- {label}: {accuracy:F4}");
        log.WriteLine(output.ToString());
        return accuracy;
    }
}
