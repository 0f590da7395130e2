using System.Diagnostics;
using EdgeFL.Bench;

// EdgeFL benchmark suite: every figure is printed with a baseline measured in the same run and the ratio.
// Usage: dotnet run -c Release --project bench/EdgeFL.Bench -- [--short] [--only NAME[,NAME]] [--list]
//        learning-rules (also run by learning): [--rules a,b] [--seeds 1-5] [--alphas 0.5,0.1,1.0] [--parallel 2] [--out PREFIX]
if (args.Length > 0 && args[0] == SwarmCommand.Name)
{
    return await SwarmCommand.RunAsync(args); // the footprint figure's device side, as a child process
}

bool quick = args.Contains("--short");
string[]? only = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--only" && i + 1 < args.Length)
    {
        only = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

var grid = LearningRulesBench.Parse(args);
var suites = new (string Name, string What, Func<Report, bool, Task> Run)[]
{
    ("aggregation", "streaming weighted sum (grouped and per update) vs TorchSharp's fused add, its unfused add, a memory copy and a scalar loop, 1 thread and all cores; q8", AggregationBench.RunAsync),
    ("robust", "median, trimmed mean, norm clipping vs streaming FedAvg", RobustBench.RunAsync),
    ("codec", "WireCodec encode/decode of 1e6 floats vs memory copy; allocations (BenchmarkDotNet)", CodecBench.RunAsync),
    ("signing", "sign / verify a 4 MB model message (ECDSA P-256, SHA-256) vs encode, SHA-256 and decode", SigningBench.RunAsync),
    ("admission", "updates admitted per second, 200 devices, journaled: journal outside vs inside the round lock", AdmissionBench.RunAsync),
    ("mqtt", "one gateway round over MQTT vs two in-process MQTTnet clients (and mosquitto_pub/mosquitto_sub) moving the same bytes through the same broker", MqttRoundBench.RunAsync),
    ("cloud", "one cloud sync of N gateways (real cloud aggregator process) vs N clients -> 1 subscriber, same bytes; cloud peak RSS, CPU per upload", CloudSyncBench.RunAsync),
    ("footprint", "gateway process RSS, start-up time, publish size", FootprintBench.RunAsync),
    ("training", "training steps/s, managed backend vs TorchSharp (MLP, CNN; 1 thread, all cores); managed matrix products vs OpenBLAS", TrainingBench.RunAsync),
    ("device", "device inference latency (managed vs TorchSharp), device process time to first update and peak RSS per backend", DeviceBench.RunAsync),
    ("learning", "accuracy vs bytes on the wire, f32 vs q8, vs centralized training; then learning-rules", async (r, q) =>
    {
        await LearningBench.RunAsync(r, q);
        await LearningRulesBench.RunAsync(r, q, grid);
    }),
    ("learning-rules", "server optimizers and FedProx on the demo over seeds and Dirichlet alphas, vs centralized training", (r, q) => LearningRulesBench.RunAsync(r, q, grid)),
};

if (args.Contains("--list"))
{
    foreach (var s in suites)
    {
        Console.WriteLine($"{s.Name,-12} {s.What}");
    }

    return 0;
}

Console.WriteLine($"EdgeFL bench ({(quick ? "short" : "full")} mode), {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
var report = new Report();
int failures = 0;
foreach (var s in suites)
{
    if (only is not null && !only.Contains(s.Name, StringComparer.OrdinalIgnoreCase))
    {
        continue;
    }

    Console.WriteLine();
    Console.WriteLine($"== {s.Name}: {s.What}");
    var sw = Stopwatch.StartNew();
    try
    {
        await s.Run(report, quick);
    }
#pragma warning disable CA1031 // one failing suite must not hide the others' figures
    catch (Exception e)
#pragma warning restore CA1031
    {
        failures++;
        Console.WriteLine($"  [{s.Name}] FAILED: {e}");
        report.Note(s.Name, $"FAILED: {e.GetType().Name}: {e.Message}");
    }

    Console.WriteLine($"  ({s.Name} took {sw.Elapsed.TotalSeconds:F1} s)");
}

report.PrintSummary(Console.Out);
return failures == 0 ? 0 : 1;
