using System.Diagnostics;
using System.Globalization;
using EdgeFL.Core.Aggregation;
using EdgeFL.Simulator;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 9: the learning rules on the demo itself (20 devices, 4 gateways, 50 rounds, sync every 5, the MLP,
/// the same partitioning, churn, selection and hierarchy of averaging: <see cref="DemoRunner"/> in-process, over
/// MQTT on loopback), for each rule over seeds and Dirichlet alphas: mean and standard deviation of the final
/// accuracy, the worst drop between consecutive syncs after round 20, the longest round, the wasted updates,
/// beside the centralized ceiling of the same model measured in the same run. Writes a CSV of every sync and a
/// PNG of the mean accuracy per sync, one line per rule and alpha.
/// </summary>
internal static class LearningRulesBench
{
    /// <summary>
    /// The rules compared: a name, the cloud's server optimizer and its learning rate (null: the demo's default), FedProx's mu,
    /// momentum, and optionally the sync interval and the devices' learning rate (null: the demo's defaults).
    /// </summary>
    public sealed record Rule(string Name, ServerOptimizerKind Kind, double? ServerLr, double ProxMu, double? Beta1 = null, int? SyncEvery = null, double? LocalLr = null);

    /// <summary>What the command line asked for (--rules, --seeds, --alphas, --parallel, --out).</summary>
    public sealed record Grid(IReadOnlyList<Rule> Rules, IReadOnlyList<int> Seeds, IReadOnlyList<double> Alphas, int Parallel, string OutputPrefix);

    /// <summary>Every rule this benchmark knows, by name (--rules picks among them).</summary>
    public static readonly Rule[] Known =
    [
        new("fedavg", ServerOptimizerKind.FedAvg, null, 0),
        new("fedavgm-b0.9", ServerOptimizerKind.FedAvgM, 1.0, 0, 0.9),
        new("fedavgm-b0.5", ServerOptimizerKind.FedAvgM, 1.0, 0, 0.5),
        new("fedavgm-b0.3", ServerOptimizerKind.FedAvgM, 1.0, 0, 0.3),
        new("fedadam", ServerOptimizerKind.FedAdam, null, 0),
        new("fedadam-lr0.03", ServerOptimizerKind.FedAdam, 0.03, 0),
        new("fedyogi", ServerOptimizerKind.FedYogi, null, 0),
        new("fedyogi-lr0.03", ServerOptimizerKind.FedYogi, 0.03, 0),
        new("fedprox-0.01", ServerOptimizerKind.FedAvg, null, 0.01),
        new("fedprox-0.1", ServerOptimizerKind.FedAvg, null, 0.1),
        new("fedavgm-b0.5-s5-lr0.01", ServerOptimizerKind.FedAvgM, 1.0, 0, 0.5, 5, 0.01),
        new("fedavgm-b0.5-s2-lr0.02", ServerOptimizerKind.FedAvgM, 1.0, 0, 0.5, 2, 0.02),
        new("fedavgm-b0.5-s1-lr0.02", ServerOptimizerKind.FedAvgM, 1.0, 0, 0.5, 1, 0.02),
    ];

    public static Grid Parse(IReadOnlyList<string> args)
    {
        string? Arg(string name)
        {
            for (int i = 0; i < args.Count - 1; i++)
            {
                if (args[i] == name)
                {
                    return args[i + 1];
                }
            }

            return null;
        }

        var rules = (Arg("--rules") ?? "fedavg,fedavgm-b0.5,fedavgm-b0.9,fedadam-lr0.03,fedyogi-lr0.03,fedprox-0.01").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => Known.FirstOrDefault(r => r.Name == n) ?? throw new ArgumentException($"--rules: unknown rule '{n}' (known: {string.Join(", ", Known.Select(r => r.Name))})"))
            .ToArray();
        string seedText = Arg("--seeds") ?? "1-5";
        var seeds = seedText.Contains('-', StringComparison.Ordinal)
            ? Enumerable.Range(int.Parse(seedText.Split('-')[0], CultureInfo.InvariantCulture), int.Parse(seedText.Split('-')[1], CultureInfo.InvariantCulture) - int.Parse(seedText.Split('-')[0], CultureInfo.InvariantCulture) + 1).ToArray()
            : seedText.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var alphas = (Arg("--alphas") ?? "0.5,0.1,1.0").Split(',').Select(a => double.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        int parallel = int.Parse(Arg("--parallel") ?? "2", CultureInfo.InvariantCulture);
        string prefix = Arg("--out") ?? "edgefl-learning-rules";
        return new Grid(rules, seeds, alphas, Math.Max(1, parallel), prefix);
    }

    /// <summary>Runs the grid; <paramref name="quick"/> shrinks each run to a few rounds on a few devices.</summary>
    public static async Task RunAsync(Report report, bool quick, Grid grid)
    {
        var baseOptions = quick
            ? new DemoOptions { Devices = 8, Gateways = 2, Rounds = 6, SyncEvery = 2, TrainSamples = 6000, TestSamples = 2000, Quiet = true }
            : new DemoOptions { Quiet = true };

        var jobs = (from alpha in grid.Alphas from rule in grid.Rules from seed in grid.Seeds select (alpha, rule, seed)).ToList();
        Console.WriteLine($"  {jobs.Count} demo runs ({grid.Rules.Count} rules x {grid.Seeds.Count} seeds x {grid.Alphas.Count} alphas), {grid.Parallel} at a time");
        var results = new List<Run>();
        using var gate = new SemaphoreSlim(grid.Parallel);
        var tasks = jobs.Select(async job =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var run = await RunOneAsync(baseOptions, job.rule, job.seed, job.alpha).ConfigureAwait(false);
                lock (results)
                {
                    results.Add(run);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  [{results.Count}/{jobs.Count}] {job.rule.Name} alpha {job.alpha} seed {job.seed}: final {run.Final:F4}, worst drop after round 20 {100 * run.WorstDrop:F2} points, longest round {run.LongestRound:F1} s, wasted {run.Wasted}, late kept {run.LateKept}, {run.Seconds:F0} s"));
                }
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);

        // The ceiling does not depend on the partition: the same model on all the data, as many epochs as the demo's rounds.
        double ceiling = LearningBench.Centralized(baseOptions, out _);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  centralized ceiling (same model, all data, {baseOptions.Rounds * baseOptions.Epochs} epochs): {ceiling:F4}"));

        var table = new List<string> { "| rule | alpha | runs | final accuracy mean | std | min | worst drop after round 20 (points, worst run) | runs with a drop > 3 points | longest round (s) | wasted updates (mean) | late kept (mean) | % of ceiling |", "|---|---|---|---|---|---|---|---|---|---|---|---|" };
        foreach (var group in results.GroupBy(r => (r.Alpha, r.Rule)).OrderBy(g => -g.Key.Alpha).ThenBy(g => Array.IndexOf(grid.Rules.Select(r => r.Name).ToArray(), g.Key.Rule)))
        {
            var finals = group.Select(r => r.Final).ToArray();
            double mean = finals.Average();
            double std = finals.Length > 1 ? Math.Sqrt(finals.Sum(f => (f - mean) * (f - mean)) / (finals.Length - 1)) : 0;
            string row = string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Rule} | {group.Key.Alpha} | {finals.Length} | {mean:F4} | {std:F4} | {finals.Min():F4} | {100 * group.Max(r => r.WorstDrop):F2} | {group.Count(r => r.WorstDrop > 0.03)} | {group.Max(r => r.LongestRound):F1} | {group.Average(r => r.Wasted):F1} | {group.Average(r => r.LateKept):F1} | {100 * mean / ceiling:F1}% |");
            table.Add(row);
            report.Add("9 learning rules", string.Create(CultureInfo.InvariantCulture, $"{group.Key.Rule}, alpha {group.Key.Alpha}: mean final accuracy ({finals.Length} seeds, std {std:F4})"), mean, "", "centralized ceiling", ceiling);
        }

        Console.WriteLine();
        foreach (string line in table)
        {
            Console.WriteLine("  " + line);
        }

        WriteCsv(grid.OutputPrefix + ".csv", results);
        LearningRulesPlot.Save(grid.OutputPrefix + ".png", results, ceiling);
        Console.WriteLine($"  wrote {grid.OutputPrefix}.csv and {grid.OutputPrefix}.png");
    }

    private static async Task<Run> RunOneAsync(DemoOptions baseOptions, Rule rule, int seed, double alpha)
    {
        string csv = Path.Combine(Path.GetTempPath(), $"edgefl-bench-rules-{Environment.ProcessId}-{rule.Name}-{seed}-{alpha.ToString(CultureInfo.InvariantCulture)}.csv");
        var options = baseOptions with
        {
            Seed = seed,
            Alpha = alpha,
            ServerOptimizer = rule.Kind,
            ServerLearningRate = rule.ServerLr,
            ServerBeta1 = rule.Beta1,
            ProximalMu = rule.ProxMu,
            SyncEvery = rule.SyncEvery ?? baseOptions.SyncEvery,
            LearningRate = rule.LocalLr ?? baseOptions.LearningRate,
            CsvPath = csv,
        };
        var runner = new DemoRunner(options, TextWriter.Null);
        var sw = Stopwatch.StartNew();
        double final = await runner.RunAsync().ConfigureAwait(false);
        double seconds = sw.Elapsed.TotalSeconds;
        File.Delete(csv);
        var syncs = runner.AccuracyByRound.ToArray();
        double worstDrop = 0;
        for (int i = 1; i < syncs.Length; i++)
        {
            if (syncs[i].Key > 20)
            {
                worstDrop = Math.Max(worstDrop, syncs[i - 1].Value - syncs[i].Value);
            }
        }

        var rows = runner.Rows.OrderBy(r => r.Round).ToArray();
        double longest = rows.Length == 0 ? 0 : rows[0].ElapsedSeconds;
        for (int i = 1; i < rows.Length; i++)
        {
            longest = Math.Max(longest, rows[i].ElapsedSeconds - rows[i - 1].ElapsedSeconds);
        }

        return new Run(rule.Name, alpha, seed, final, worstDrop, longest, runner.Rejections.Values.Sum(), runner.LateFolded, seconds, syncs.Select(kv => (kv.Key, kv.Value)).ToArray());
    }

    private static void WriteCsv(string path, IEnumerable<Run> results)
    {
        var lines = new List<string> { "rule,alpha,seed,round,global_accuracy,final_accuracy,worst_drop_after_20,longest_round_s,wasted_updates,late_kept,run_seconds" };
        foreach (var r in results.OrderBy(r => r.Rule).ThenBy(r => r.Alpha).ThenBy(r => r.Seed))
        {
            lines.AddRange(r.Syncs.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{r.Rule},{r.Alpha},{r.Seed},{s.Round},{s.Accuracy:F4},{r.Final:F4},{r.WorstDrop:F4},{r.LongestRound:F2},{r.Wasted},{r.LateKept},{r.Seconds:F1}")));
        }

        File.WriteAllLines(path, lines);
    }

    /// <summary>One demo run's figures.</summary>
    public sealed record Run(string Rule, double Alpha, int Seed, double Final, double WorstDrop, double LongestRound, long Wasted, long LateKept, double Seconds, (long Round, double Accuracy)[] Syncs);
}
