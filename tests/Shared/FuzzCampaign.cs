using System.Diagnostics;
using System.Globalization;

namespace EdgeFL.Tests.Shared;

/// <summary>One fuzz input: its bytes, how it was made (for a failure report), and where it goes (a topic's id, a path).</summary>
public sealed record FuzzCase(byte[] Bytes, string How, string Target = "");

/// <summary>What a campaign did: inputs run, accepted and refused by the code under test, and the slowest input.</summary>
public sealed record FuzzResult(int Inputs, int Accepted, int Refused, TimeSpan Slowest, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Inputs} inputs: {Accepted} accepted, {Refused} refused; slowest input {Slowest.TotalMilliseconds:F1} ms, all {Elapsed.TotalSeconds:F2} s";
}

/// <summary>A failed fuzz input, with what is needed to reproduce it.</summary>
public sealed class FuzzFailureException(string message, Exception? inner) : Exception(message, inner);

/// <summary>
/// Runs fuzz inputs against one ingress. The count is <see cref="MinimumInputs"/> (10,000) unless
/// EDGEFL_FUZZ_ITERATIONS asks for more; the seed is fixed (<see cref="DefaultSeed"/>) unless
/// EDGEFL_FUZZ_SEED sets another. Inputs run on a worker thread watched by the test's thread: an input
/// that takes longer than <see cref="MaxPerInput"/> fails the test as a hang, and an exception from the
/// check fails it with the input's number, recipe and bytes.
/// </summary>
public static class FuzzCampaign
{
    public const int DefaultSeed = 20_260_115;
    public const int MinimumInputs = 10_000;
    public const string IterationsVariable = "EDGEFL_FUZZ_ITERATIONS";
    public const string SeedVariable = "EDGEFL_FUZZ_SEED";

    /// <summary>Generous: every input of every ingress takes well under 100 ms on the project's 2-core machine.</summary>
    public static readonly TimeSpan MaxPerInput = TimeSpan.FromSeconds(10);

    /// <summary>Inputs per ingress: <paramref name="minimum"/>, or <see cref="IterationsVariable"/> when larger.</summary>
    public static int Iterations(int minimum = MinimumInputs) =>
        int.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > minimum ? n : minimum;

    /// <summary>The campaign's seed: <see cref="DefaultSeed"/>, or <see cref="SeedVariable"/> when set.</summary>
    public static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : DefaultSeed;

    /// <summary>
    /// Runs <paramref name="iterations"/> inputs from <paramref name="next"/> through <paramref name="check"/>,
    /// which feeds one to the code under test, asserts its invariants and returns whether it was accepted.
    /// </summary>
    public static FuzzResult Run(int iterations, Func<int, FuzzCase> next, Func<FuzzCase, bool> check)
    {
        long started = 0;
        int current = -1;
        FuzzCase? input = null;
        int accepted = 0;
        TimeSpan slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        var worker = Task.Factory.StartNew(
            () =>
            {
                for (int i = 0; i < iterations; i++)
                {
                    var fuzzCase = next(i);
                    Volatile.Write(ref input, fuzzCase);
                    Volatile.Write(ref current, i);
                    long t0 = Stopwatch.GetTimestamp();
                    Volatile.Write(ref started, t0);
                    try
                    {
                        if (check(fuzzCase))
                        {
                            accepted++;
                        }
                    }
                    catch (Exception ex)
                    {
                        throw new FuzzFailureException($"fuzz input #{i} (seed {Seed}) failed: {ex.Message}\n{Describe(fuzzCase)}", ex);
                    }

                    TimeSpan took = Stopwatch.GetElapsedTime(t0);
                    slowest = took > slowest ? took : slowest;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        while (!worker.Wait(TimeSpan.FromMilliseconds(100)))
        {
            long t0 = Volatile.Read(ref started);
            if (t0 != 0 && Stopwatch.GetElapsedTime(t0) > MaxPerInput && Volatile.Read(ref current) is int stuck and >= 0)
            {
                throw new FuzzFailureException($"fuzz input #{stuck} (seed {Seed}) hangs: still running after {MaxPerInput.TotalSeconds} s\n{Describe(Volatile.Read(ref input)!)}", null);
            }
        }

        worker.GetAwaiter().GetResult();
        return new FuzzResult(iterations, accepted, iterations - accepted, slowest, total.Elapsed);
    }

    /// <summary>
    /// A fresh folder for fuzzed files, in memory (/dev/shm) where there is one: thousands of SQLite
    /// opens with synchronous=FULL cost nothing there. The caller deletes it.
    /// </summary>
    public static string ScratchDirectory(string name)
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        return Directory.CreateDirectory(Path.Combine(root, $"edgefl-fuzz-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
    }

    private static string Describe(FuzzCase c) =>
        $"target '{c.Target}', made by: {c.How}\nbytes ({c.Bytes.Length}{(c.Bytes.Length > 1024 ? ", the first 1024" : "")}): {Convert.ToHexString(c.Bytes.AsSpan(0, Math.Min(c.Bytes.Length, 1024)))}";
}
