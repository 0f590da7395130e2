using System.Runtime.CompilerServices;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using TorchSharp;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 1: the streaming weighted sum (WeightedAverageAccumulator.Add, TensorPrimitives) over K updates of
/// P float32, against a scalar loop, TorchSharp, and a memory copy of the same update bytes.
/// </summary>
/// <remarks>
/// For large P x K the same few update buffers are streamed repeatedly (as many as fit a fixed budget,
/// at least two), so the working set stays bounded while every byte still comes from memory once P is
/// beyond the caches.
/// </remarks>
internal static class AggregationBench
{
    public static Task RunAsync(Report report, bool quick)
    {
        int[] sizes = FromEnvironment("EDGEFL_BENCH_AGG_P") ?? (quick ? [10_000, 1_000_000] : [10_000, 100_000, 1_000_000, 10_000_000]);
        int[] counts = FromEnvironment("EDGEFL_BENCH_AGG_K") ?? (quick ? [2, 8] : [2, 8, 32, 256]);
        int runs = quick ? 1 : 3;
        double minSeconds = quick ? 0.05 : 0.3;
        long budgetBytes = quick ? 64L << 20 : 320L << 20;
        Console.WriteLine($"  TorchSharp intra-op threads: {torch.get_num_threads()}; EdgeFL splits large tensors over {Environment.ProcessorCount} cores; scalar and copy run on one thread");
        Console.WriteLine($"  P = {string.Join(", ", sizes)}; K = {string.Join(", ", counts)}");
        foreach (int p in sizes)
        {
            int buffers = (int)Math.Clamp(budgetBytes / (p * 4L), 2, counts.Max());
            var rng = new Random(p);
            float[][] updates = Enumerable.Range(0, buffers).Select(_ => Enumerable.Range(0, p).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray();
            ModelState[] models = updates.Select(u => new ModelState([NamedTensor.FromFloat32("w", [p], u)])).ToArray();
            ModelState[] q8 = models.Select(Quantizer.Quantize).ToArray();
            var accumulator = new WeightedAverageAccumulator(models[0]);
            float[] acc = new float[p];
            float[] dst = new float[p];
            byte[] dst8 = new byte[p];
            using var scope = torch.NewDisposeScope();
            torch.Tensor[] tensors = updates.Select(u => torch.tensor(u)).ToArray();
            torch.Tensor tacc = torch.zeros(p);

            foreach (int k in counts)
            {
                double bytes = (double)k * p * sizeof(float);
                double Gbps(double seconds) => bytes / seconds / 1e9;

                double edge = Gbps(Measure.BestSeconds(() =>
                {
                    accumulator.Reset();
                    for (int i = 0; i < k; i++)
                    {
                        accumulator.Add(models[i % buffers], 1 + (i & 7));
                    }
                }, runs, minSeconds));
                double scalar = Gbps(Measure.BestSeconds(() =>
                {
                    Array.Clear(acc);
                    for (int i = 0; i < k; i++)
                    {
                        ScalarAdd(updates[i % buffers], 1 + (i & 7), acc);
                    }
                }, runs, minSeconds));
                double torchNaive = Gbps(Measure.BestSeconds(() =>
                {
                    tacc.zero_();
                    for (int i = 0; i < k; i++)
                    {
                        using torch.Tensor scaled = tensors[i % buffers].mul(1 + (i & 7));
                        tacc.add_(scaled);
                    }
                }, runs, minSeconds));
                double torchFused = Gbps(Measure.BestSeconds(() =>
                {
                    tacc.zero_();
                    for (int i = 0; i < k; i++)
                    {
                        tacc.add_(tensors[i % buffers], alpha: 1 + (i & 7));
                    }
                }, runs, minSeconds));
                double copy = Gbps(Measure.BestSeconds(() =>
                {
                    for (int i = 0; i < k; i++)
                    {
                        updates[i % buffers].AsSpan().CopyTo(dst);
                    }
                }, runs, minSeconds));

                string c = $"P={p:0.#e0} K={k}";
                report.Add("1 aggregation", $"{c} EdgeFL f32 vs scalar loop", edge, "GB/s", "scalar C# loop", scalar);
                report.Add("1 aggregation", $"{c} EdgeFL f32 vs TorchSharp acc.add_(w*t)", edge, "GB/s", "TorchSharp w*t", torchNaive);
                report.Add("1 aggregation", $"{c} EdgeFL f32 vs TorchSharp add_(t, alpha)", edge, "GB/s", "TorchSharp fused", torchFused);
                report.Add("1 aggregation", $"{c} EdgeFL f32 vs memory copy", edge, "GB/s", "Span.CopyTo same bytes", copy, "(target >= 0.67)");

                // q8: bytes read are one per element; the straightforward way dequantizes to a float model first.
                double bytes8 = (double)k * p;
                double q8Fused = bytes8 / Measure.BestSeconds(() =>
                {
                    accumulator.Reset();
                    for (int i = 0; i < k; i++)
                    {
                        accumulator.Add(q8[i % buffers], 1 + (i & 7));
                    }
                }, runs, minSeconds) / 1e9;
                double q8Naive = bytes8 / Measure.BestSeconds(() =>
                {
                    accumulator.Reset();
                    for (int i = 0; i < k; i++)
                    {
                        accumulator.Add(Quantizer.Dequantize(q8[i % buffers]), 1 + (i & 7));
                    }
                }, runs, minSeconds) / 1e9;
                double copy8 = bytes8 / Measure.BestSeconds(() =>
                {
                    for (int i = 0; i < k; i++)
                    {
                        q8[i % buffers].Tensors[0].Data.Span.CopyTo(dst8);
                    }
                }, runs, minSeconds) / 1e9;
                report.Add("1 aggregation", $"{c} EdgeFL q8 fused vs dequantize-then-add", q8Fused, "GB/s(q8)", "Dequantize+Add", q8Naive);
                report.Add("1 aggregation", $"{c} EdgeFL q8 fused vs memory copy", q8Fused, "GB/s(q8)", "Span.CopyTo same q8 bytes", copy8);
                report.Add("1 aggregation", $"{c} EdgeFL q8 vs f32, elements/s", q8Fused, "Gelem/s", "EdgeFL f32", edge / sizeof(float));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A comma-separated list of positive integers from <paramref name="variable"/> (e.g.
    /// <c>EDGEFL_BENCH_AGG_P=1000000,10000000</c>), or null when it is unset or empty.
    /// </summary>
    private static int[]? FromEnvironment(string variable)
    {
        string? text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        int[] values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.Parse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        if (values.Length == 0 || values.Any(v => v <= 0))
        {
            throw new ArgumentException($"{variable}='{text}': expected positive integers separated by commas");
        }

        return values;
    }

    /// <summary>The plain loop a C# programmer writes first; no unrolling, no explicit SIMD.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScalarAdd(float[] x, float w, float[] acc)
    {
        for (int i = 0; i < x.Length; i++)
        {
            acc[i] += w * x[i];
        }
    }
}
