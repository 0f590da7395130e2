using EdgeFL.Training.Data;

namespace EdgeFL.Training.Tests.Data;

public sealed class GammaSamplerTests
{
    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(4.0)]
    public void NextGamma_HasMeanAndVarianceEqualToShape(double shape)
    {
        var random = new Random(42);
        const int n = 200_000;
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < n; i++)
        {
            double x = GammaSampler.NextGamma(random, shape);
            Assert.True(x >= 0);
            sum += x;
            sumSquares += x * x;
        }

        double mean = sum / n;
        double variance = (sumSquares / n) - (mean * mean);
        Assert.InRange(mean, shape * 0.97, shape * 1.03);
        Assert.InRange(variance, shape * 0.93, shape * 1.07);
    }

    [Fact]
    public void NextDirichlet_SumsToOne()
    {
        var random = new Random(1);
        var p = new double[20];
        GammaSampler.NextDirichlet(random, 0.5, p);
        Assert.Equal(1.0, p.Sum(), 9);
        Assert.All(p, v => Assert.True(v >= 0));
    }
}
