using System.Diagnostics;

namespace EdgeFL.Bench;

/// <summary>Wall-clock timing for the loops BenchmarkDotNet would take too long over: best of several runs, after a warm-up.</summary>
internal static class Measure
{
    /// <summary>Seconds per call of <paramref name="pass"/>, the best of <paramref name="runs"/> runs of at least <paramref name="minSeconds"/> each.</summary>
    public static double BestSeconds(Action pass, int runs, double minSeconds)
    {
        var warm = Stopwatch.StartNew();
        pass(); // warm-up: JIT, tiering, page faults on first touch
        double best = warm.Elapsed.TotalSeconds;
        if (best > 2)
        {
            runs = 1; // a pass this long is not dominated by start-up effects; keep the suite's time bounded
        }

        for (int r = 0; r < runs; r++)
        {
            int calls = 0;
            var sw = Stopwatch.StartNew();
            do
            {
                pass();
                calls++;
            }
            while (sw.Elapsed.TotalSeconds < minSeconds);
            best = Math.Min(best, sw.Elapsed.TotalSeconds / calls);
        }

        return best;
    }

    public static string Bytes(double b) => b switch
    {
        >= 1 << 30 => $"{b / (1 << 30):F2} GiB",
        >= 1 << 20 => $"{b / (1 << 20):F1} MiB",
        >= 1 << 10 => $"{b / (1 << 10):F1} KiB",
        _ => $"{b:F0} B",
    };

    /// <summary>VmRSS and VmHWM of a process from /proc, in bytes.</summary>
    public static (long Rss, long Hwm) Memory(int pid = 0)
    {
        string path = pid == 0 ? "/proc/self/status" : $"/proc/{pid}/status";
        long rss = 0, hwm = 0;
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = ParseKb(line);
            }
        }

        return (rss, hwm);
    }

    private static long ParseKb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
}
