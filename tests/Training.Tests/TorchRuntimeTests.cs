using static TorchSharp.torch;

namespace EdgeFL.Training.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Configure_SetsIntraOpThreads_AndCanBeRepeated()
    {
        TorchRuntime.Configure(2);
        Assert.Equal(2, get_num_threads());
        TorchRuntime.Configure(1);
        TorchRuntime.Configure(1);
        Assert.Equal(1, get_num_threads());
        Assert.Equal(1, TorchRuntime.IntraOpThreads);
    }

    [Fact]
    public void Configure_RejectsNonPositiveThreadCount()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.Configure(0));
    }
}
