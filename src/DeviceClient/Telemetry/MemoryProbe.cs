using System.Diagnostics;
using System.Globalization;

namespace EdgeFL.DeviceClient.Telemetry;

/// <summary>
/// Memory free for training on a real device: the kernel's MemAvailable, capped by what the process
/// may still take under its cgroup limit (systemd's MemoryMax, which the GC reports).
/// </summary>
internal static class MemoryProbe
{
    /// <summary>Free memory in MiB.</summary>
    public static double AvailableMb(string meminfo = "/proc/meminfo")
    {
        double available = double.PositiveInfinity;
        try
        {
            foreach (string line in File.ReadLines(meminfo))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double kib))
                    {
                        available = kib / 1024;
                    }

                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        using var self = Process.GetCurrentProcess();
        double headroom = Math.Max(0, limit - self.WorkingSet64) / (1024.0 * 1024.0);
        double result = Math.Min(available, headroom);
        return double.IsFinite(result) ? result : 0;
    }
}
