using EdgeFL.Training.Data;

namespace EdgeFL.Training.Tests.Data;

[Collection(FashionMnistCollection.Name)]
public sealed class FashionMnistTests(FashionMnistFixture fixture)
{
    [Fact]
    public void Load_ReadsBothSplitsFromDebianPackage()
    {
        var (train, test) = fixture.Splits;
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, train.FeatureCount);
        Assert.Equal(10, train.ClassCount);
        Assert.Equal(train.Count * 784, train.Features.Length);

        // Every class appears, each about 6,000 times in the training split.
        var counts = new int[10];
        foreach (byte label in train.Labels)
        {
            counts[label]++;
        }

        Assert.All(counts, c => Assert.Equal(6_000, c));
    }

    [Fact]
    public void Load_NormalizesPixelsWithTrainingMeanAndStd()
    {
        float[] features = fixture.Splits.Train.Features;
        double sum = 0;
        double sumSquares = 0;
        foreach (float f in features)
        {
            sum += f;
            sumSquares += (double)f * f;
        }

        double mean = sum / features.Length;
        double std = Math.Sqrt((sumSquares / features.Length) - (mean * mean));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(std, 0.98, 1.02);
        Assert.Equal((0f - FashionMnist.Mean) / FashionMnist.StdDev, features.Min(), 5);
        Assert.Equal((1f - FashionMnist.Mean) / FashionMnist.StdDev, features.Max(), 5);
    }

    [Fact]
    public void Load_MissingFiles_ThrowsWithInstallCommandAndDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgefl-no-data-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<DatasetNotFoundException>(() => FashionMnist.Load(dir));
        Assert.Contains("install it with `sudo apt-get install dataset-fashion-mnist`", ex.Message, StringComparison.Ordinal);
        Assert.Contains(dir, ex.Message, StringComparison.Ordinal);
        Assert.Equal(dir, ex.Directory);
    }
}
