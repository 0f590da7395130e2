namespace EdgeFL.Training.Data;

/// <summary>Gamma and Dirichlet variates from a caller-owned <see cref="Random"/> (Marsaglia and Tsang, 2000).</summary>
internal static class GammaSampler
{
    /// <summary>A Gamma(shape, 1) variate.</summary>
    public static double NextGamma(Random random, double shape)
    {
        if (!(shape > 0) || double.IsInfinity(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "the shape must be positive and finite");
        }

        if (shape < 1)
        {
            // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
            double u = 1.0 - random.NextDouble();
            return NextGamma(random, shape + 1) * Math.Pow(u, 1 / shape);
        }

        double d = shape - (1.0 / 3.0);
        double c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x;
            double v;
            do
            {
                x = NextStandardNormal(random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            double u = 1.0 - random.NextDouble();
            if (u < 1 - (0.0331 * x * x * x * x) || Math.Log(u) < (0.5 * x * x) + (d * (1 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }

    /// <summary>Fills <paramref name="proportions"/> with a Dirichlet(alpha, ..., alpha) sample (non-negative, summing to 1).</summary>
    public static void NextDirichlet(Random random, double alpha, Span<double> proportions)
    {
        double sum = 0;
        for (int i = 0; i < proportions.Length; i++)
        {
            proportions[i] = NextGamma(random, alpha);
            sum += proportions[i];
        }

        if (sum <= 0)
        {
            // All draws underflowed (tiny alpha): put all the mass on one component, as the limit does.
            proportions.Clear();
            proportions[random.Next(proportions.Length)] = 1;
            return;
        }

        for (int i = 0; i < proportions.Length; i++)
        {
            proportions[i] /= sum;
        }
    }

    private static double NextStandardNormal(Random random)
    {
        // Box-Muller; one of the pair is discarded to keep the sampler stateless.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
