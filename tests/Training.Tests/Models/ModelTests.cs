using EdgeFL.Training.Models;
using static TorchSharp.torch;

namespace EdgeFL.Training.Tests.Models;

public sealed class ModelTests
{
    [Fact]
    public void EdgeMlp_HasReferenceLayout_AndStableStateDictNames()
    {
        using var mlp = new EdgeMlp();
        Assert.Equal(
            ["net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias", "net.6.weight", "net.6.bias"],
            mlp.state_dict().Keys);
        Assert.Equal((784 * 32) + 32 + (32 * 16) + 16 + (16 * 10) + 10, mlp.ParameterCount);
        Assert.Equal(mlp.ParameterCount * 4 / (1024.0 * 1024.0), mlp.SizeMegabytes, 12);
    }

    [Fact]
    public void EdgeMlp_ForwardMapsFeaturesToClassLogits()
    {
        using var mlp = new EdgeMlp(inputDim: 20, classes: 5, hiddenDims: [8]);
        using var x = randn(3, 20);
        using var y = mlp.forward(x);
        Assert.Equal([3L, 5L], y.shape);
    }

    [Fact]
    public void MobileNetTiny_ForwardAcceptsFlatAndImageInput()
    {
        using var net = new MobileNetTiny();
        using var flat = randn(4, 784);
        using var images = randn(4, 1, 28, 28);
        using var fromFlat = net.forward(flat);
        using var fromImages = net.forward(images);
        Assert.Equal([4L, 10L], fromFlat.shape);
        Assert.Equal([4L, 10L], fromImages.shape);
    }

    [Fact]
    public void MobileNetTiny_ChannelPlanAndSizeFollowWidthMultiplier()
    {
        using var net = new MobileNetTiny();
        var dict = net.state_dict();

        // Channels 8, 16, 32, 32, 64, 64 at width 0.25.
        Assert.Equal([8L, 1, 3, 3], dict["features.0.weight"].shape);
        Assert.Equal([8L, 1, 3, 3], dict["features.3.depthwise.weight"].shape);
        Assert.Equal([16L, 8, 1, 1], dict["features.3.pointwise.weight"].shape);
        Assert.Equal([64L, 64, 1, 1], dict["features.7.pointwise.weight"].shape);
        Assert.Equal([10L, 64], dict["classifier.weight"].shape);
        Assert.Equal(ScalarType.Int64, dict["features.7.bn.num_batches_tracked"].dtype);

        long expected = (8 * 9) + (2 * 8)          // stem conv + BN
            + (8 * 9) + (8 * 16) + (2 * 16)         // block 3
            + (16 * 9) + (16 * 32) + (2 * 32)       // block 4
            + (32 * 9) + (32 * 32) + (2 * 32)       // block 5
            + (32 * 9) + (32 * 64) + (2 * 64)       // block 6
            + (64 * 9) + (64 * 64) + (2 * 64)       // block 7
            + (64 * 10) + 10;                       // head
        Assert.Equal(expected, net.ParameterCount);
        Assert.Equal(expected * 4 / (1024.0 * 1024.0), net.SizeMegabytes, 12);
        Assert.True(net.SizeMegabytes < 0.1);
    }

    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.MobileNet)]
    public void Factory_SameSeedGivesSameWeights_OtherSeedDiffers(ModelKind kind)
    {
        using var a = ModelFactory.Create(kind, seed: 5);
        using var b = ModelFactory.Create(kind, seed: 5);
        using var c = ModelFactory.Create(kind, seed: 6);
        Assert.Equal(kind, a.Kind);
        var sa = ModelStateConverter.ToModelState(a);
        var sb = ModelStateConverter.ToModelState(b);
        var sc = ModelStateConverter.ToModelState(c);
        Assert.True(sa.Tensors.Zip(sb.Tensors).All(p => p.First.Data.Span.SequenceEqual(p.Second.Data.Span)));
        Assert.False(sa.Tensors.Zip(sc.Tensors).All(p => p.First.Data.Span.SequenceEqual(p.Second.Data.Span)));
    }
}
