namespace EdgeFL.Training.Managed.Layers;

/// <summary>
/// The network's first convolution (k x k, stride, zero padding, no bias) over the model input as torch lays it out
/// (N, C, H, W), writing channels-last (N, H', W', C'). Lowered to im2col and one matrix product. Weight [out, in, k, k].
/// Being first, it never computes a gradient for its input.
/// </summary>
internal sealed class StemConvLayer : Layer
{
    private readonly Parameter weight;
    private readonly int inChannels;
    private readonly int outChannels;
    private readonly int height;
    private readonly int width;
    private readonly int kernel;
    private readonly int stride;
    private readonly int padding;
    private readonly float[] weightT;
    private float[] columns = [];

    public StemConvLayer(Parameter weight, int height, int width, int stride, int padding)
    {
        this.weight = weight;
        outChannels = weight.Shape[0];
        inChannels = weight.Shape[1];
        kernel = weight.Shape[2];
        this.height = height;
        this.width = width;
        this.stride = stride;
        this.padding = padding;
        OutHeight = ((height + (2 * padding) - kernel) / stride) + 1;
        OutWidth = ((width + (2 * padding) - kernel) / stride) + 1;
        weightT = new float[weight.Count];
    }

    public int OutHeight { get; }

    public int OutWidth { get; }

    private int Patch => inChannels * kernel * kernel;

    public override int InputSize => inChannels * height * width;

    public override int OutputSize => OutHeight * OutWidth * outChannels;

    public override IEnumerable<Parameter> Parameters => [weight];

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        int rows = batch * OutHeight * OutWidth;
        int pieces = compute.Pieces(batch, (long)rows * Patch);
        if (pieces == 1)
        {
            Im2Col(input, 0, batch);
        }
        else
        {
            Im2ColParallel(input, batch, pieces, compute);
        }
        ManagedGemm.Transpose(weight.Value, weightT, outChannels, Patch);
        compute.MultiplyNN(columns, weightT, Output, rows, outChannels, Patch);
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        if (needGradInput)
        {
            throw new NotSupportedException("the stem convolution is the first layer: its input needs no gradient");
        }

        // dW [out, patch] = dY^T [out, rows] x columns [rows, patch]; the columns are the forward pass's.
        compute.MultiplyTN(gradOutput, columns, weight.Grad, outChannels, Patch, batch * OutHeight * OutWidth);
    }

    protected override void OnReserve(int batch) => columns = new float[batch * OutHeight * OutWidth * Patch];

    private void Im2ColParallel(float[] input, int batch, int pieces, Compute compute) =>
        compute.For(batch, pieces, (start, end, _) => Im2Col(input, start, end));

    private void Im2Col(float[] input, int firstSample, int endSample)
    {
        int patch = Patch;
        for (int n = firstSample; n < endSample; n++)
        {
            for (int oh = 0; oh < OutHeight; oh++)
            {
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    Span<float> row = columns.AsSpan((((n * OutHeight) + oh) * OutWidth + ow) * patch, patch);
                    int col = 0;
                    for (int c = 0; c < inChannels; c++)
                    {
                        int plane = ((n * inChannels) + c) * height * width;
                        for (int kh = 0; kh < kernel; kh++)
                        {
                            int ih = (oh * stride) - padding + kh;
                            for (int kw = 0; kw < kernel; kw++)
                            {
                                int iw = (ow * stride) - padding + kw;
                                row[col++] = (uint)ih < (uint)height && (uint)iw < (uint)width ? input[plane + (ih * width) + iw] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }
}
