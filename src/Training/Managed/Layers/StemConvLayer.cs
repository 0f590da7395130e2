namespace EdgeFL.Training.Managed.Layers;

/// <summary>
/// The network's first convolution (k x k, stride, zero padding, no bias) over the model input as torch lays it out
/// (N, C, H, W), writing channels-last (N, H', W', C'). Lowered to im2col and one matrix product. Weight [out, in, k, k].
/// Being first, it never computes a gradient for its input.
/// </summary>
internal sealed class StemConvLayer : Layer
{
    private readonly Parameter weight;
    private readonly ConvGeometry geo;
    private readonly int inChannels;
    private readonly int outChannels;
    private readonly float[] weightT;
    private float[] columns = [];

    public StemConvLayer(Parameter weight, int height, int width, int stride, int padding)
    {
        this.weight = weight;
        outChannels = weight.Shape[0];
        inChannels = weight.Shape[1];
        geo = new ConvGeometry(height, width, kernel: weight.Shape[2], stride, padding);
        weightT = new float[weight.Count];
    }

    public int OutHeight => geo.OutHeight;

    public int OutWidth => geo.OutWidth;

    private int Patch => inChannels * geo.Kernel * geo.Kernel;

    public override int InputSize => inChannels * geo.Height * geo.Width;

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
                        int plane = ((n * inChannels) + c) * geo.Height * geo.Width;
                        for (int kh = 0; kh < geo.Kernel; kh++)
                        {
                            int ih = (oh * geo.Stride) - geo.Padding + kh;
                            for (int kw = 0; kw < geo.Kernel; kw++)
                            {
                                int iw = (ow * geo.Stride) - geo.Padding + kw;
                                row[col++] = (uint)ih < (uint)geo.Height && (uint)iw < (uint)geo.Width ? input[plane + (ih * geo.Width) + iw] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }
}
