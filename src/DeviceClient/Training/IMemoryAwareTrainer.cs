namespace EdgeFL.DeviceClient.Training;

/// <summary>A trainer that can shrink its mini-batch to fit the memory a device has free.</summary>
internal interface IMemoryAwareTrainer : ILocalTrainer
{
    /// <summary>The configured batch size, before any fitting.</summary>
    int ConfiguredBatchSize { get; }

    /// <summary>Sets the batch size for the next round by <see cref="BatchSizePolicy"/>; returns it.</summary>
    int FitBatchSize(double freeMemoryMb);
}
