namespace EdgeFL.DeviceClient;

/// <summary>The reference tutorial's cost model of on-device training.</summary>
internal static class EnergyModel
{
    /// <summary>Power drawn while training, in milliwatts.</summary>
    public const double TrainingPowerMilliwatts = 500;

    /// <summary>
    /// Simulated training time of a device, in seconds: 0.1 x epochs x samples / batch x (1e10 / FLOPS).
    /// </summary>
    public static double SimulatedTrainingSeconds(int epochs, long samples, int batchSize, double computeFlops) =>
        0.1 * epochs * samples / batchSize * (1e10 / computeFlops);

    /// <summary>Energy of training for <paramref name="seconds"/>: 500 mW x time / 3600, in mAh (the tutorial's unit, at 1 V).</summary>
    public static double EnergyMah(double seconds) => TrainingPowerMilliwatts * seconds / 3600;
}
