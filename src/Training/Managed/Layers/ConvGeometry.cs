namespace EdgeFL.Training.Managed.Layers;

/// <summary>
/// The spatial shape of a square-kernel convolution with zero padding: its input size, kernel, stride and padding,
/// and the output size they give (as torch.nn.Conv2d computes it, once, since the hot loops index by it).
/// </summary>
internal readonly record struct ConvGeometry
{
    public ConvGeometry(int height, int width, int kernel, int stride, int padding)
    {
        Height = height;
        Width = width;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        OutHeight = ((height + (2 * padding) - kernel) / stride) + 1;
        OutWidth = ((width + (2 * padding) - kernel) / stride) + 1;
    }

    public int Height { get; }

    public int Width { get; }

    public int Kernel { get; }

    public int Stride { get; }

    public int Padding { get; }

    public int OutHeight { get; }

    public int OutWidth { get; }
}
