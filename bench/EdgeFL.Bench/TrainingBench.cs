using EdgeFL.Core.Models;
using EdgeFL.Training;
using EdgeFL.Training.Data;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 10: training steps per second of the managed backend against TorchSharp in the same run (MLP at batch 16
/// and 64, MobileNetTiny at batch 16; one thread and all cores), and the managed matrix products against OpenBLAS's
/// cblas_sgemm on the shapes those steps multiply.
/// </summary>
internal static class TrainingBench
{
    public static Task RunAsync(Report report, bool quick)
    {
        int runs = quick ? 1 : 3;
        double minSeconds = quick ? 0.2 : 1.0;
        GemmFigure(report, runs, minSeconds / 2);
        StepsFigure(report, runs, minSeconds);
        return Task.CompletedTask;
    }

    private static void GemmFigure(Report report, int runs, double minSeconds)
    {
        if (!OpenBlas.IsAvailable)
        {
            report.Note("gemm", "libopenblas.so.0 not found (apt-get install libopenblas0): managed products not compared");
            return;
        }

        OpenBlas.SetThreads(1);
        (string Name, int M, int N, int K, bool TransposeA)[] shapes =
        [
            ("MLP x*W1^T, batch 16", 16, 32, 784, false),
            ("MLP dW1 = dY^T*x, batch 16", 32, 784, 16, true),
            ("MLP x*W1^T, batch 64", 64, 32, 784, false),
            ("MLP dW1, batch 64", 32, 784, 64, true),
            ("MLP layer 2 x*W2^T, batch 16", 16, 16, 32, false),
            ("CNN stem im2col*W^T, batch 16", 3136, 8, 9, false),
            ("CNN block 1 pointwise, batch 16", 3136, 16, 8, false),
            ("CNN block 3 pointwise, batch 16", 784, 32, 32, false),
            ("CNN block 5 pointwise, batch 16", 256, 64, 64, false),
            ("CNN block 5 pointwise dW, batch 16", 64, 64, 256, true),
        ];
        Console.WriteLine("  matrix products, one thread: managed (Vector<float>, 4x2 register blocks) vs OpenBLAS cblas_sgemm (openblas_set_num_threads(1))");
        foreach (var (name, m, n, k, transposeA) in shapes)
        {
            var random = new Random(m + n + k);
            float[] a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle()).ToArray();
            float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle()).ToArray();
            float[] c = new float[m * n];
            double flops = 2.0 * m * n * k;
            double managed = flops / Measure.BestSeconds(() =>
            {
                for (int r = 0; r < 64; r++)
                {
                    if (transposeA)
                    {
                        ManagedGemm.MultiplyTN(a, b, c, m, n, k, 0, m);
                    }
                    else
                    {
                        ManagedGemm.MultiplyNN(a, b, c, m, n, k, 0, m);
                    }
                }
            }, runs, minSeconds) * 64 / 1e9;
            double blas = flops / Measure.BestSeconds(() =>
            {
                for (int r = 0; r < 64; r++)
                {
                    OpenBlas.Multiply(a, b, c, m, n, k, transposeA);
                }
            }, runs, minSeconds) * 64 / 1e9;
            report.Add("gemm", $"{name} ({m}x{k} by {k}x{n})", managed, "GFLOP/s", "OpenBLAS", blas);
        }
    }

    private static void StepsFigure(Report report, int runs, double minSeconds)
    {
        int[] threadCounts = Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
        (ModelKind Kind, int Batch, int Samples)[] cases = [(ModelKind.Mlp, 16, 1024), (ModelKind.Mlp, 64, 2048), (ModelKind.MobileNet, 16, 256)];
        foreach (int threads in threadCounts)
        {
            TorchRuntime.Configure(threads);
            foreach (var (kind, batch, samples) in cases)
            {
                LabeledDataset data = RandomData(samples, seed: batch);
                var options = new TrainerOptions { BatchSize = batch, Momentum = 0.9, Seed = 1 };
                double steps = samples / batch;
                using EdgeModel torchModel = ModelFactory.Create(kind, seed: 1);
                ModelState start = ModelStateConverter.ToModelState(torchModel);
                double torchRate = steps / Measure.BestSeconds(() => LocalTrainer.Train(torchModel, data, options), runs, minSeconds);
                using var trainer = new ManagedTrainer(kind, threads);
                double managedRate = steps / Measure.BestSeconds(() => trainer.Train(start, data, options), runs, minSeconds);
                report.Add("training", $"{kind} batch {batch}, {threads} thread{(threads == 1 ? "" : "s")}: managed", managedRate, "steps/s", "TorchSharp", torchRate,
                    kind == ModelKind.Mlp ? "(goal >= 1)" : "(goal >= 0.33)");
            }
        }
    }

    private static LabeledDataset RandomData(int count, int seed)
    {
        var random = new Random(seed);
        float[] x = new float[count * 784];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.NextSingle();
        }

        byte[] y = new byte[count];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (byte)random.Next(10);
        }

        return new LabeledDataset(x, y, 784, 10);
    }
}
