using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeFL.Training.Models;

/// <summary>
/// Tiny MobileNet-style CNN: a stride-2 3x3 stem, five depthwise-separable blocks
/// (32, 64, 128/2, 128, 256/2, 256 channels scaled by the width multiplier, at least 8),
/// global average pooling and a linear head. Takes [N, C*H*W] or [N, C, H, W].
/// </summary>
public sealed class MobileNetTiny : EdgeModel
{
    // Field names are state-dict prefixes (features.0.weight, ..., classifier.weight), as in the reference model.
    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> classifier;

    /// <summary>Builds the network for <paramref name="inputChannels"/> x <paramref name="height"/> x <paramref name="width"/> inputs.</summary>
    public MobileNetTiny(int inputChannels = 1, int height = 28, int width = 28, int classes = 10, double widthMultiplier = 0.25)
        : base(nameof(MobileNetTiny))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (!(widthMultiplier > 0) || double.IsInfinity(widthMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(widthMultiplier), widthMultiplier, "the width multiplier must be positive and finite");
        }

        int Channels(int c) => Math.Max(8, (int)(c * widthMultiplier));

        features = Sequential(
            ("0", Conv2d(inputChannels, Channels(32), kernel_size: 3, stride: 2, padding: 1, bias: false)),
            ("1", BatchNorm2d(Channels(32))),
            ("2", ReLU()),
            ("3", new DepthwiseSeparableConv(Channels(32), Channels(64))),
            ("4", new DepthwiseSeparableConv(Channels(64), Channels(128), stride: 2)),
            ("5", new DepthwiseSeparableConv(Channels(128), Channels(128))),
            ("6", new DepthwiseSeparableConv(Channels(128), Channels(256), stride: 2)),
            ("7", new DepthwiseSeparableConv(Channels(256), Channels(256))),
            ("8", AdaptiveAvgPool2d(1)));
        classifier = Linear(Channels(256), classes);
        InputChannels = inputChannels;
        Height = height;
        Width = width;
        Classes = classes;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.MobileNet;

    /// <summary>Input channels.</summary>
    public int InputChannels { get; }

    /// <summary>Input height in pixels.</summary>
    public int Height { get; }

    /// <summary>Input width in pixels.</summary>
    public int Width { get; }

    /// <summary>Number of output classes.</summary>
    public int Classes { get; }

    /// <summary>[N, C*H*W] or [N, C, H, W] -> [N, Classes] logits.</summary>
    public override Tensor forward(Tensor input)
    {
        using var images = input.dim() == 4 ? input.alias() : input.reshape(-1, InputChannels, Height, Width);
        using var pooled = features.forward(images);
        using var flat = pooled.flatten(1);
        return classifier.forward(flat);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            classifier.Dispose();
        }

        base.Dispose(disposing);
    }
}
