namespace EdgeFL.DeviceClient;

/// <summary>Where a stand-alone device finds its local data (section <c>Device:Data</c>).</summary>
internal sealed class DeviceDataOptions
{
    /// <summary>Fashion-MNIST IDX directory (Debian's dataset-fashion-mnist package).</summary>
    public string Directory { get; set; } = EdgeFL.Training.Data.FashionMnist.DefaultDirectory;

    /// <summary>This device's shard of the Dirichlet partition (0-based).</summary>
    public int Shard { get; set; }

    /// <summary>Number of shards the training set is split into.</summary>
    public int Shards { get; set; } = 20;

    /// <summary>Dirichlet concentration of the label skew.</summary>
    public double Alpha { get; set; } = 0.5;

    /// <summary>Seed of the partition (every device of a fleet must use the same one).</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Model architecture: <c>mlp</c> or <c>mobilenet</c> (any case).</summary>
    public EdgeFL.Training.Models.ModelKind Model { get; set; } = EdgeFL.Training.Models.ModelKind.Mlp;
}
