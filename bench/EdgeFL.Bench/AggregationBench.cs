using System.Runtime.CompilerServices;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using TorchSharp;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 1: the streaming weighted sum (WeightedAverageAccumulator: AddRange, a group of updates per pass,
/// and Add, one update per call) over K updates of P float32 or q8 values, against TorchSharp's fused
/// <c>acc.add_(t, alpha: w)</c> (the baseline of record), its unfused <c>acc.add_(w * t)</c>, a copy of the
/// same bytes and a scalar loop, each at the same thread count (1 and all cores).
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
        int[] threadCounts = FromEnvironment("EDGEFL_BENCH_AGG_THREADS") ?? (quick ? [Environment.ProcessorCount] : [1, Environment.ProcessorCount]);
        int runs = quick ? 1 : 3;
        double minSeconds = quick ? 0.05 : 0.3;
        long budgetBytes = quick ? 64L << 20 : 320L << 20;
        int torchThreads = torch.get_num_threads();
        Console.WriteLine($"  threads = {string.Join(", ", threadCounts)} (each line: EdgeFL's MaxThreads, TorchSharp's intra-op threads and the copy's slices all set to it); P = {string.Join(", ", sizes)}; K = {string.Join(", ", counts)}");
        Console.WriteLine($"  EdgeFL 'grouped' = WeightedAverageAccumulator.AddRange (up to {8} updates folded per pass); 'per update' = Add, one call per update");
        foreach (int p in sizes)
        {
            int buffers = (int)Math.Clamp(budgetBytes / (p * 4L), 2, counts.Max());
            var rng = new Random(p);
            float[][] updates = Enumerable.Range(0, buffers).Select(_ => Enumerable.Range(0, p).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray();
            ModelState[] models = updates.Select(u => new ModelState([NamedTensor.FromFloat32("w", [p], u)])).ToArray();
            ModelState[] q8 = models.Select(Quantizer.Quantize).ToArray();
            float[] acc = new float[p];
            float[] dst = new float[p];
            byte[] dst8 = new byte[p];
            using var scope = torch.NewDisposeScope();
            torch.Tensor[] tensors = updates.Select(u => torch.tensor(u)).ToArray();
            torch.Tensor tacc = torch.zeros(p);

            foreach (int threads in threadCounts)
            {
                torch.set_num_threads(threads);
                var accumulator = new WeightedAverageAccumulator(models[0]) { MaxThreads = threads };
                foreach (int k in counts)
                {
                    double bytes = (double)k * p * sizeof(float);
                    double Gbps(double seconds) => bytes / seconds / 1e9;
                    (ModelState, double)[] f32Group = Enumerable.Range(0, k).Select(i => (models[i % buffers], (double)(1 + (i & 7)))).ToArray();
                    (ModelState, double)[] q8Group = Enumerable.Range(0, k).Select(i => (q8[i % buffers], (double)(1 + (i & 7)))).ToArray();

                    double grouped = Gbps(Measure.BestSeconds(() =>
                    {
                        accumulator.Reset();
                        accumulator.AddRange(f32Group);
                    }, runs, minSeconds));
                    double perUpdate = Gbps(Measure.BestSeconds(() =>
                    {
                        accumulator.Reset();
                        for (int i = 0; i < k; i++)
                        {
                            accumulator.Add(models[i % buffers], 1 + (i & 7));
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
                    double torchNaive = Gbps(Measure.BestSeconds(() =>
                    {
                        tacc.zero_();
                        for (int i = 0; i < k; i++)
                        {
                            using torch.Tensor scaled = tensors[i % buffers].mul(1 + (i & 7));
                            tacc.add_(scaled);
                        }
                    }, runs, minSeconds));
                    double copy = Gbps(Measure.BestSeconds(() =>
                    {
                        for (int i = 0; i < k; i++)
                        {
                            Copy<float>(updates[i % buffers], dst, threads);
                        }
                    }, runs, minSeconds));

                    string c = $"P={p:0.#e0} K={k} threads={threads}";
                    report.Add("1 aggregation", $"{c} EdgeFL f32 grouped vs TorchSharp add_(t, alpha)", grouped, "GB/s", "TorchSharp fused", torchFused, "(target >= 1)");
                    report.Add("1 aggregation", $"{c} EdgeFL f32 per update vs TorchSharp add_(t, alpha)", perUpdate, "GB/s", "TorchSharp fused", torchFused);
                    report.Add("1 aggregation", $"{c} EdgeFL f32 grouped vs TorchSharp acc.add_(w*t)", grouped, "GB/s", "TorchSharp w*t", torchNaive);
                    report.Add("1 aggregation", $"{c} EdgeFL f32 grouped vs memory copy", grouped, "GB/s", "copy of the same bytes", copy, p * 4L <= (16L << 20) ? "(target >= 1, sums in cache)" : "");
                    if (threads == 1)
                    {
                        double scalar = Gbps(Measure.BestSeconds(() =>
                        {
                            Array.Clear(acc);
                            for (int i = 0; i < k; i++)
                            {
                                ScalarAdd(updates[i % buffers], 1 + (i & 7), acc);
                            }
                        }, runs, minSeconds));
                        report.Add("1 aggregation", $"{c} EdgeFL f32 per update vs scalar loop", perUpdate, "GB/s", "scalar C# loop", scalar);
                    }

                    // q8: bytes read are one per element.
                    double bytes8 = (double)k * p;
                    double q8Grouped = bytes8 / Measure.BestSeconds(() =>
                    {
                        accumulator.Reset();
                        accumulator.AddRange(q8Group);
                    }, runs, minSeconds) / 1e9;
                    double q8PerUpdate = bytes8 / Measure.BestSeconds(() =>
                    {
                        accumulator.Reset();
                        for (int i = 0; i < k; i++)
                        {
                            accumulator.Add(q8[i % buffers], 1 + (i & 7));
                        }
                    }, runs, minSeconds) / 1e9;
                    double copy8 = bytes8 / Measure.BestSeconds(() =>
                    {
                        for (int i = 0; i < k; i++)
                        {
                            Copy<byte>(q8[i % buffers].Tensors[0].Data.Span, dst8, threads);
                        }
                    }, runs, minSeconds) / 1e9;
                    report.Add("1 aggregation", $"{c} EdgeFL q8 grouped vs memory copy", q8Grouped, "GB/s(q8)", "copy of the same q8 bytes", copy8, "(target >= 0.67)");
                    report.Add("1 aggregation", $"{c} EdgeFL q8 per update vs memory copy", q8PerUpdate, "GB/s(q8)", "copy of the same q8 bytes", copy8);
                    if (threads == threadCounts[^1])
                    {
                        // The straightforward way: dequantize to a float model first, then add.
                        double q8Naive = bytes8 / Measure.BestSeconds(() =>
                        {
                            accumulator.Reset();
                            for (int i = 0; i < k; i++)
                            {
                                accumulator.Add(Quantizer.Dequantize(q8[i % buffers]), 1 + (i & 7));
                            }
                        }, runs, minSeconds) / 1e9;
                        report.Add("1 aggregation", $"{c} EdgeFL q8 per update vs dequantize-then-add", q8PerUpdate, "GB/s(q8)", "Dequantize+Add", q8Naive);
                    }
                }
            }
        }

        torch.set_num_threads(torchThreads);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The copy baseline: <paramref name="source"/> into <paramref name="destination"/> (Span.CopyTo), in one
    /// contiguous slice per thread when <paramref name="threads"/> &gt; 1, as EdgeFL splits its sums.
    /// </summary>
    private static void Copy<T>(ReadOnlySpan<T> source, T[] destination, int threads)
        where T : unmanaged
    {
        if (threads < 2 || source.Length < 2 * 32 * 1024)
        {
            source.CopyTo(destination);
            return;
        }

        unsafe
        {
            // The lambda cannot capture a span: pass the source as a pointer (the caller's array is pinned by fixed).
            fixed (T* src = source)
            {
                nint address = (nint)src;
                int length = source.Length;
                int slice = ((length / threads) + 63) & ~63;
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                {
                    int start = t * slice;
                    int n = Math.Min(slice, length - start);
                    if (n > 0)
                    {
                        new ReadOnlySpan<T>((T*)address + start, n).CopyTo(destination.AsSpan(start, n));
                    }
                });
            }
        }
    }

    /// <summary>
    /// A comma-separated list of positive integers from <paramref name="variable"/> (e.g.
    /// <c>EDGEFL_BENCH_AGG_P=1000000,10000000</c>), or null when it is unset or empty.
    /// </summary>
    internal static int[]? FromEnvironment(string variable)
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
