using EdgeFL.Training.Managed;

namespace EdgeFL.Training.Tests.Managed;

public sealed class ManagedGemmTests
{
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(7, 13, 5, 1)]
    [InlineData(16, 32, 784, 1)]
    [InlineData(33, 17, 9, 2)]
    [InlineData(64, 10, 16, 2)]
    [InlineData(200, 64, 64, 3)]
    public void Products_MatchANaiveLoop(int m, int n, int k, int threads)
    {
        var random = new Random(m * 1000 + n);
        float[] a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] at = new float[m * k];
        ManagedGemm.Transpose(a, at, m, k);
        var compute = new Compute(threads);
        float[] nn = new float[m * n], tn = new float[m * n];
        compute.MultiplyNN(a, b, nn, m, n, k);
        compute.MultiplyTN(at, b, tn, m, n, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double expected = 0;
                for (int p = 0; p < k; p++)
                {
                    expected += (double)a[(i * k) + p] * b[(p * n) + j];
                }

                Assert.True(Math.Abs(nn[(i * n) + j] - expected) <= 1e-5 * k, $"NN [{i},{j}] {nn[(i * n) + j]} vs {expected}");
                Assert.True(Math.Abs(tn[(i * n) + j] - expected) <= 1e-5 * k, $"TN [{i},{j}] {tn[(i * n) + j]} vs {expected}");
            }
        }
    }

    [Fact]
    public void TooSmallBuffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => ManagedGemm.MultiplyNN(new float[4], new float[4], new float[3], 2, 2, 2, 0, 2));
    }
}
