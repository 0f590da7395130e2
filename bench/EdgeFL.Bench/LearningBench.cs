using System.Diagnostics;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using EdgeFL.Simulator;
using EdgeFL.Training;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 6: the demo's accuracy against the bytes its messages put on the wire, float32 against 8-bit
/// updates, and against centralized training of the same model on the same data for as many epochs.
/// </summary>
/// <remarks>
/// Bytes are counted from encoded message sizes (MQTT framing not included) and the demo's per-round
/// rows: every participant uploads one update; every online device receives its gateway's model each
/// round; at each cloud sync every gateway uploads its edge model and receives the global one.
/// </remarks>
internal static class LearningBench
{
    public static async Task RunAsync(Report report, bool quick)
    {
        var baseOptions = quick
            ? new DemoOptions { Devices = 8, Gateways = 2, Rounds = 4, SyncEvery = 2, TrainSamples = 6000, TestSamples = 2000, Quiet = true }
            : new DemoOptions { Quiet = true };
        string csv = Path.Combine(Path.GetTempPath(), $"edgefl-bench-history-{Environment.ProcessId}.csv");
        var results = new List<(bool Q8, double Accuracy, double UpdateBytes, double TotalBytes, double Seconds)>();
        foreach (bool q8 in new[] { false, true })
        {
            var options = baseOptions with { Quantize = q8, CsvPath = csv };
            var runner = new DemoRunner(options, TextWriter.Null);
            var sw = Stopwatch.StartNew();
            double accuracy = await runner.RunAsync().ConfigureAwait(false);
            double seconds = sw.Elapsed.TotalSeconds;
            var (update, total) = CountBytes(options, runner.Rows);
            results.Add((q8, accuracy, update, total, seconds));
            Console.WriteLine($"  demo {(q8 ? "8-bit" : "float32")}: final accuracy {accuracy:F4}, device update bytes {Measure.Bytes(update)}, all counted bytes {Measure.Bytes(total)}, {seconds:F1} s");
        }

        File.Delete(csv);
        double central = Centralized(baseOptions, out double centralSeconds);
        Console.WriteLine($"  centralized: accuracy {central:F4} after {baseOptions.Rounds * baseOptions.Epochs} epochs, {centralSeconds:F1} s");

        var f32 = results[0];
        var q = results[1];
        string cfg = $"{baseOptions.Devices} devices, {baseOptions.Gateways} gateways, {baseOptions.Rounds} rounds";
        report.Add("6 learning", $"{cfg}: f32 final accuracy", f32.Accuracy, "", "centralized, same epochs", central);
        report.Add("6 learning", $"{cfg}: q8 final accuracy", q.Accuracy, "", "f32 final accuracy", f32.Accuracy, $"(difference {100 * (q.Accuracy - f32.Accuracy):F2} points; bar: within 1)");
        report.Add("6 learning", $"{cfg}: q8 device-update bytes", q.UpdateBytes / 1e6, "MB", "f32 device-update bytes", f32.UpdateBytes / 1e6);
        report.Add("6 learning", $"{cfg}: q8 all counted bytes (models down, cloud sync)", q.TotalBytes / 1e6, "MB", "f32 all counted bytes", f32.TotalBytes / 1e6);
        report.Add("6 learning", $"{cfg}: q8 accuracy per counted MB", q.Accuracy / (q.TotalBytes / 1e6), "acc/MB", "f32 accuracy per counted MB", f32.Accuracy / (f32.TotalBytes / 1e6));
    }

    private static (double UpdateBytes, double TotalBytes) CountBytes(DemoOptions o, IReadOnlyList<RoundRow> rows)
    {
        using EdgeModel model = ModelFactory.Create(o.Model, o.Seed);
        ModelState state = ModelStateConverter.ToModelState(model);
        var now = DateTimeOffset.UtcNow;
        double modelMessage = WireCodec.Encode(new ModelMessage("edgefl-mlp", 1, "gateway-1", 1000, now, state)).Length;
        double update = WireCodec.Encode(new DeviceUpdate("device-001", 1, 1000, 0.5, 1, 0.1, now, o.Quantize ? Quantizer.Quantize(state) : state)).Length;
        double upload = WireCodec.Encode(new GatewayUpload("gateway-1", GatewayUpload.MakeUploadId("gateway-1", 1), 1, "edgefl-mlp", 1, 1000, now, state)).Length;
        double updates = 0, total = 0;
        foreach (RoundRow r in rows)
        {
            updates += r.Participants * update;
            total += r.Participants * update;
            total += (o.Devices - r.Offline) * modelMessage;
            if (r.Round % o.EffectiveSyncEvery == 0)
            {
                total += o.Gateways * (upload + modelMessage);
            }
        }

        return (updates, total);
    }

    internal static double Centralized(DemoOptions o, out double seconds)
    {
        var sw = Stopwatch.StartNew();
        TorchRuntime.Configure(1);
        var data = FashionMnist.Load(o.DataDirectory);
        var train = o.TrainSamples > 0 ? data.Train.Take(Math.Min(o.TrainSamples, data.Train.Count)) : data.Train;
        var test = o.TestSamples > 0 ? data.Test.Take(Math.Min(o.TestSamples, data.Test.Count)) : data.Test;
        using EdgeModel model = ModelFactory.Create(o.Model, o.Seed);
        LocalTrainer.Train(model, train, new TrainerOptions { BatchSize = o.BatchSize, LearningRate = o.EffectiveLearningRate, Epochs = o.Rounds * o.Epochs, Seed = o.Seed });
        double accuracy = Evaluator.Accuracy(model, test);
        seconds = sw.Elapsed.TotalSeconds;
        return accuracy;
    }
}
