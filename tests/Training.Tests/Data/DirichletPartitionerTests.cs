using EdgeFL.Training.Data;

namespace EdgeFL.Training.Tests.Data;

[Collection(FashionMnistCollection.Name)]
public sealed class DirichletPartitionerTests(FashionMnistFixture fixture)
{
    private byte[] Labels => fixture.Splits.Train.Labels;

    [Fact]
    public void Partition_AssignsEveryIndexExactlyOnce()
    {
        int[][] parts = DirichletPartitioner.Partition(Labels, clients: 20, alpha: 0.5, seed: 7);
        Assert.Equal(20, parts.Length);
        var seen = new int[Labels.Length];
        foreach (int index in parts.SelectMany(p => p))
        {
            seen[index]++;
        }

        Assert.All(seen, count => Assert.Equal(1, count));
    }

    [Fact]
    public void Partition_IsDeterministicForASeed_AndDiffersAcrossSeeds()
    {
        int[][] a = DirichletPartitioner.Partition(Labels, 20, 0.5, seed: 7);
        int[][] b = DirichletPartitioner.Partition(Labels, 20, 0.5, seed: 7);
        int[][] c = DirichletPartitioner.Partition(Labels, 20, 0.5, seed: 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Partition_SmallAlpha_MostClientsDominatedByTwoClasses_LargeAlphaIsNearUniform()
    {
        // Under an IID split the two largest classes of a client hold about 20% of its samples.
        double[] skewed = TopTwoClassShares(DirichletPartitioner.Partition(Labels, 20, 0.5, seed: 1));
        double[] uniform = TopTwoClassShares(DirichletPartitioner.Partition(Labels, 20, 1000, seed: 1));

        Assert.True(skewed.Count(s => s > 0.5) >= 14, $"top-2 class shares at alpha 0.5: {string.Join(", ", skewed.Select(s => s.ToString("F2")))}");
        Assert.All(uniform, s => Assert.InRange(s, 0.15, 0.3));
    }

    [Fact]
    public void Partition_GivesEveryClientTheMinimum_EvenWhenDrawsKeepFailing()
    {
        // 200 samples, 20 clients, tiny alpha: nearly every draw leaves some client nearly empty,
        // so the rebalancing path runs.
        byte[] labels = Labels.AsSpan(0, 200).ToArray();
        int[][] parts = DirichletPartitioner.Partition(labels, clients: 20, alpha: 0.01, seed: 3, minSamplesPerClient: 8);
        Assert.All(parts, p => Assert.True(p.Length >= 8, $"a client got {p.Length} samples"));
        Assert.Equal(200, parts.SelectMany(p => p).Distinct().Count());
    }

    [Fact]
    public void Partition_MinimumImpossible_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => DirichletPartitioner.Partition(Labels.AsSpan(0, 50), 10, 0.5, 1, minSamplesPerClient: 6));
        Assert.Equal("minSamplesPerClient", ex.ParamName);
    }

    private double[] TopTwoClassShares(int[][] parts) =>
        parts.Select(p =>
        {
            var counts = new int[10];
            foreach (int i in p)
            {
                counts[Labels[i]]++;
            }

            return (double)counts.OrderDescending().Take(2).Sum() / p.Length;
        }).ToArray();
}
