using EdgeFL.Training.Data;

namespace EdgeFL.Training.Tests.Data;

/// <summary>Loads the real Fashion-MNIST files once for every test class that needs them.</summary>
public sealed class FashionMnistFixture
{
    public FashionMnistFixture()
    {
        Splits = FashionMnist.Load(FashionMnist.DefaultDirectory);
    }

    public FashionMnistSplits Splits { get; }
}

[CollectionDefinition(Name)]
public sealed class FashionMnistCollection : ICollectionFixture<FashionMnistFixture>
{
    public const string Name = "Fashion-MNIST";
}
