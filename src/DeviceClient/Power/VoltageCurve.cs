namespace EdgeFL.DeviceClient.Power;

/// <summary>
/// State of charge from the resting voltage of one Li-ion/LiPo cell: piecewise linear between the
/// points of a typical 1S discharge curve at low load (3.0 V empty, 4.2 V full). Under load or
/// while charging the voltage lies, so the level is an estimate (docs/OPERATIONS.md).
/// </summary>
internal static class VoltageCurve
{
    /// <summary>(volts per cell, level) points, ascending.</summary>
    public static readonly IReadOnlyList<(double Volts, double Level)> LithiumIon =
    [
        (3.00, 0.00),
        (3.45, 0.05),
        (3.68, 0.20),
        (3.74, 0.40),
        (3.80, 0.60),
        (3.92, 0.80),
        (4.05, 0.95),
        (4.20, 1.00),
    ];

    /// <summary>The level (0-1) of a pack of <paramref name="cells"/> cells at <paramref name="packVolts"/>.</summary>
    public static double Level(double packVolts, int cells = 1)
    {
        if (double.IsNaN(packVolts) || cells < 1)
        {
            return 0;
        }

        double v = packVolts / cells;
        var points = LithiumIon;
        if (v <= points[0].Volts)
        {
            return points[0].Level;
        }

        for (int i = 1; i < points.Count; i++)
        {
            if (v <= points[i].Volts)
            {
                var (v0, l0) = points[i - 1];
                var (v1, l1) = points[i];
                return l0 + ((l1 - l0) * (v - v0) / (v1 - v0));
            }
        }

        return points[^1].Level;
    }
}
