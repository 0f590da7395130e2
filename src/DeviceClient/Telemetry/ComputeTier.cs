namespace EdgeFL.DeviceClient.Telemetry;

/// <summary>
/// Coarse compute classes reported in telemetry: 0 low (under 0.75 GFLOPS sustained), 1 mid (under
/// 1.25 GFLOPS), 2 high. The gateway uses the estimated training time for decisions; the tier is for
/// operators and dashboards.
/// </summary>
internal static class ComputeTier
{
    /// <summary>The tier of a device sustaining <paramref name="flops"/>.</summary>
    public static int FromFlops(double flops) => flops < 0.75e9 ? 0 : flops < 1.25e9 ? 1 : 2;
}
