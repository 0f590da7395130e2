using EdgeFL.Training.Data;

namespace EdgeFL.Training.Tests.Data;

public sealed class LabeledDatasetTests
{
    private static LabeledDataset ThreeRows() => new([0, 1, 10, 11, 20, 21], [0, 1, 2], featureCount: 2, classCount: 3);

    [Fact]
    public void Subset_CopiesRowsInGivenOrder()
    {
        var subset = ThreeRows().Subset([2, 0]);
        Assert.Equal([20f, 21f, 0f, 1f], subset.Features);
        Assert.Equal([2, 0], subset.Labels);
        Assert.Equal(3, subset.ClassCount);
    }

    [Fact]
    public void Subset_IndexOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreeRows().Subset([3]));
    }

    [Fact]
    public void Take_KeepsFirstRows_AndClampsToCount()
    {
        Assert.Equal([0f, 1f, 10f, 11f], ThreeRows().Take(2).Features);
        Assert.Equal(3, ThreeRows().Take(10).Count);
    }

    [Fact]
    public void Constructor_RejectsLabelAtOrAboveClassCount()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LabeledDataset([0, 0], [0, 5], 1, 5));
        Assert.Contains("row 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_RejectsFeatureLengthNotMatchingRows()
    {
        Assert.Throws<ArgumentException>(() => new LabeledDataset([0, 0, 0], [0, 1], 2, 2));
    }
}
