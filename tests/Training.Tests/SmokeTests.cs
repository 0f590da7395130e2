using TorchSharp;

namespace EdgeFL.Training.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Torch_Loads()
    {
        using var t = torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }
}
