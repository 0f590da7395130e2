using EdgeFL.Training.Models;

namespace EdgeFL.DeviceClient.Training;

/// <summary>
/// Fits the mini-batch to free memory: starting from the configured size, halve the batch while its
/// estimated activation memory (batch x per-sample MiB) exceeds <see cref="MemoryFraction"/> of the
/// free memory; never below 1. The rest of the free memory is left to the weights, the optimizer
/// state, the runtime and everything else on the device.
/// </summary>
internal static class BatchSizePolicy
{
    /// <summary>Share of free memory the batch's activations may use.</summary>
    public const double MemoryFraction = 0.25;

    /// <summary>
    /// Activation memory per sample, MiB (forward activations and their gradients in float32, with
    /// room for libtorch's temporaries): the MLP is tiny; MobileNet keeps 28x28 feature maps.
    /// </summary>
    public static double MegabytesPerSample(ModelKind kind) => kind switch
    {
        ModelKind.MobileNet => 2.0,
        _ => 0.05,
    };

    /// <summary>The batch size to use with <paramref name="freeMemoryMb"/> free.</summary>
    public static int Fit(int configured, double freeMemoryMb, double megabytesPerSample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(configured, 1);
        int batch = configured;
        double budget = MemoryFraction * Math.Max(0, freeMemoryMb);
        while (batch > 1 && batch * megabytesPerSample > budget)
        {
            batch /= 2;
        }

        return batch;
    }
}
