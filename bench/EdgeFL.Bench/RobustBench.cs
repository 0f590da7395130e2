using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;

namespace EdgeFL.Bench;

/// <summary>Figure 2: a whole round (BeginRound, K x Add, Complete) of the robust strategies against streaming FedAvg.</summary>
internal static class RobustBench
{
    public static Task RunAsync(Report report, bool quick)
    {
        int[] sizes = quick ? [10_000, 100_000] : [100_000, 1_000_000];
        int[] counts = quick ? [8] : [8, 32];
        int runs = quick ? 1 : 3;
        double minSeconds = quick ? 0.02 : 0.3;
        foreach (int p in sizes)
        {
            foreach (int k in counts)
            {
                var rng = new Random(p + k);
                var current = new ModelState([NamedTensor.FromFloat32("w", [p], Enumerable.Range(0, p).Select(_ => (float)rng.NextDouble()).ToArray())]);
                var updates = Enumerable.Range(0, k)
                    .Select(_ => new ModelState([NamedTensor.FromFloat32("w", [p], Enumerable.Range(0, p).Select(_ => (float)rng.NextDouble()).ToArray())]))
                    .ToArray();
                double bytes = (double)k * p * sizeof(float);
                double Round(IAggregationStrategy s) => bytes / 1e9 / Measure.BestSeconds(() =>
                {
                    s.BeginRound(current);
                    for (int i = 0; i < k; i++)
                    {
                        s.Add(updates[i], 100 + i);
                    }

                    GC.KeepAlive(s.Complete());
                }, runs, minSeconds);

                double fedAvg = Round(new FedAvgStrategy());
                // A bound below every delta's norm (about sqrt(P/6)): every update is clipped, the costly path.
                var clipping = new NormClippingStrategy(new FedAvgStrategy(), 1.0);
                double clipped = Round(clipping);
                double median = Round(new CoordinateMedianStrategy(maxUpdates: 256));
                double trimmed = Round(new TrimmedMeanStrategy(0.1, maxUpdates: 256));
                string c = $"P={p:0.#e0} K={k}";
                report.Add("2 robust", $"{c} norm clipping (all clipped) + FedAvg", clipped, "GB/s", "streaming FedAvg", fedAvg);
                report.Add("2 robust", $"{c} coordinate-wise median", median, "GB/s", "streaming FedAvg", fedAvg);
                report.Add("2 robust", $"{c} trimmed mean (beta 0.1)", trimmed, "GB/s", "streaming FedAvg", fedAvg);
                report.Note("2 robust", $"{c} memory held: FedAvg {Measure.Bytes(p * 4.0)} (one model), norm clipping {Measure.Bytes(p * 4.0)} (the sums; the round's model is read in place), median and trimmed mean {Measure.Bytes(p * 4.0 * k)} (K models)");
            }
        }

        return Task.CompletedTask;
    }
}
