namespace EdgeFL.Training.Data;

/// <summary>The Fashion-MNIST training (60,000) and test (10,000) sets.</summary>
public sealed record FashionMnistSplits(LabeledDataset Train, LabeledDataset Test);
