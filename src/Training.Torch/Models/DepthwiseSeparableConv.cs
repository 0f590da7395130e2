using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeFL.Training.Models;

/// <summary>Depthwise 3x3 conv (groups = channels), pointwise 1x1 conv, BatchNorm, ReLU; no conv biases.</summary>
internal sealed class DepthwiseSeparableConv : Module<Tensor, Tensor>
{
    // Field names are state-dict keys (depthwise.weight, pointwise.weight, bn.running_mean, ...).
    private readonly Module<Tensor, Tensor> depthwise;
    private readonly Module<Tensor, Tensor> pointwise;
    private readonly Module<Tensor, Tensor> bn;

    public DepthwiseSeparableConv(int inChannels, int outChannels, int stride = 1)
        : base(nameof(DepthwiseSeparableConv))
    {
        depthwise = Conv2d(inChannels, inChannels, kernel_size: 3, stride: stride, padding: 1, groups: inChannels, bias: false);
        pointwise = Conv2d(inChannels, outChannels, kernel_size: 1, bias: false);
        bn = BatchNorm2d(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var d = depthwise.forward(input);
        using var p = pointwise.forward(d);
        using var b = bn.forward(p);
        return functional.relu(b);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            depthwise.Dispose();
            pointwise.Dispose();
            bn.Dispose();
        }

        base.Dispose(disposing);
    }
}
