using System.Numerics.Tensors;

namespace EdgeFL.Training.Managed.Layers;

/// <summary>
/// Depthwise k x k convolution (groups = channels, zero padding, no bias) over channels-last activations: each
/// output pixel is a sum of k*k input pixels scaled channel by channel, so the inner loop runs along the channels.
/// Weight [C, 1, k, k].
/// </summary>
internal sealed class DepthwiseConvLayer : Layer
{
    private readonly Parameter weight;
    private readonly ConvGeometry geo;
    private readonly int channels;
    private readonly float[] tapWeights; // [k*k, C]: the weight transposed so a tap's channels are contiguous
    private float[][] tapGrads = [];

    public DepthwiseConvLayer(Parameter weight, int height, int width, int stride, int padding)
    {
        this.weight = weight;
        channels = weight.Shape[0];
        geo = new ConvGeometry(height, width, kernel: weight.Shape[2], stride, padding);
        tapWeights = new float[weight.Count];
    }

    public int OutHeight => geo.OutHeight;

    public int OutWidth => geo.OutWidth;

    public override int InputSize => geo.Height * geo.Width * channels;

    public override int OutputSize => OutHeight * OutWidth * channels;

    public override IEnumerable<Parameter> Parameters => [weight];

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        ManagedGemm.Transpose(weight.Value, tapWeights, channels, geo.Kernel * geo.Kernel);
        int pieces = compute.Pieces(batch, (long)batch * OutputSize * geo.Kernel * geo.Kernel);
        if (pieces == 1)
        {
            ForwardSamples(input, 0, batch);
        }
        else
        {
            ForwardParallel(input, batch, pieces, compute);
        }
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        int taps = geo.Kernel * geo.Kernel;
        int pieces = compute.Pieces(batch, (long)batch * OutputSize * taps * 2);
        if (tapGrads.Length < pieces)
        {
            tapGrads = new float[pieces][];
            for (int p = 0; p < pieces; p++)
            {
                tapGrads[p] = new float[taps * channels];
            }
        }

        if (pieces == 1)
        {
            BackwardSamples(input, gradOutput, 0, batch, needGradInput, tapGrads[0]);
        }
        else
        {
            BackwardParallel(input, gradOutput, batch, pieces, needGradInput, compute);
        }

        Span<float> sum = tapGrads[0];
        for (int p = 1; p < pieces; p++)
        {
            TensorPrimitives.Add(sum, tapGrads[p], sum);
        }

        ManagedGemm.Transpose(sum, weight.Grad, taps, channels);
    }

    private void ForwardParallel(float[] input, int batch, int pieces, Compute compute) =>
        compute.For(batch, pieces, (start, end, _) => ForwardSamples(input, start, end));

    private void BackwardParallel(float[] input, float[] gradOutput, int batch, int pieces, bool needGradInput, Compute compute) =>
        compute.For(batch, pieces, (start, end, worker) => BackwardSamples(input, gradOutput, start, end, needGradInput, tapGrads[worker]));

    private void ForwardSamples(float[] input, int firstSample, int endSample)
    {
        int c = channels;
        for (int n = firstSample; n < endSample; n++)
        {
            for (int oh = 0; oh < OutHeight; oh++)
            {
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    Span<float> output = Output.AsSpan((((n * OutHeight) + oh) * OutWidth + ow) * c, c);
                    output.Clear();
                    for (int kh = 0; kh < geo.Kernel; kh++)
                    {
                        int ih = (oh * geo.Stride) - geo.Padding + kh;
                        if ((uint)ih >= (uint)geo.Height)
                        {
                            continue;
                        }

                        for (int kw = 0; kw < geo.Kernel; kw++)
                        {
                            int iw = (ow * geo.Stride) - geo.Padding + kw;
                            if ((uint)iw >= (uint)geo.Width)
                            {
                                continue;
                            }

                            ReadOnlySpan<float> pixel = input.AsSpan((((n * geo.Height) + ih) * geo.Width + iw) * c, c);
                            Lanes.MultiplyAdd(pixel, tapWeights.AsSpan(((kh * geo.Kernel) + kw) * c, c), output);
                        }
                    }
                }
            }
        }
    }

    private void BackwardSamples(float[] input, float[] gradOutput, int firstSample, int endSample, bool needGradInput, float[] tapGrad)
    {
        int c = channels;
        tapGrad.AsSpan().Clear();
        if (needGradInput)
        {
            GradInput.AsSpan(firstSample * InputSize, (endSample - firstSample) * InputSize).Clear();
        }

        for (int n = firstSample; n < endSample; n++)
        {
            for (int oh = 0; oh < OutHeight; oh++)
            {
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    ReadOnlySpan<float> g = gradOutput.AsSpan((((n * OutHeight) + oh) * OutWidth + ow) * c, c);
                    for (int kh = 0; kh < geo.Kernel; kh++)
                    {
                        int ih = (oh * geo.Stride) - geo.Padding + kh;
                        if ((uint)ih >= (uint)geo.Height)
                        {
                            continue;
                        }

                        for (int kw = 0; kw < geo.Kernel; kw++)
                        {
                            int iw = (ow * geo.Stride) - geo.Padding + kw;
                            if ((uint)iw >= (uint)geo.Width)
                            {
                                continue;
                            }

                            int pixel = (((n * geo.Height) + ih) * geo.Width + iw) * c;
                            int tap = ((kh * geo.Kernel) + kw) * c;
                            Span<float> dTap = tapGrad.AsSpan(tap, c);
                            Lanes.MultiplyAdd(g, input.AsSpan(pixel, c), dTap);
                            if (needGradInput)
                            {
                                Span<float> dPixel = GradInput.AsSpan(pixel, c);
                                Lanes.MultiplyAdd(g, tapWeights.AsSpan(tap, c), dPixel);
                            }
                        }
                    }
                }
            }
        }
    }
}
