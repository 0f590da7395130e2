using static TorchSharp.torch;

namespace EdgeFL.Training.Models;

/// <summary>Builds the models by kind, with a reproducible initialization when seeded.</summary>
public static class ModelFactory
{
    // torch.manual_seed sets a process-wide generator; seeding and drawing the initial weights
    // must not interleave with another thread doing the same.
    private static readonly Lock SeedLock = new();

    /// <summary>A new model of <paramref name="kind"/> with default sizes for Fashion-MNIST; equal seeds give equal weights.</summary>
    public static EdgeModel Create(ModelKind kind, int? seed = null)
    {
        TorchLogLevel.EnsureApplied();
        lock (SeedLock)
        {
            if (seed is int s)
            {
                manual_seed(s);
            }

            return kind switch
            {
                ModelKind.Mlp => new EdgeMlp(),
                ModelKind.MobileNet => new MobileNetTiny(),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown model kind"),
            };
        }
    }
}
