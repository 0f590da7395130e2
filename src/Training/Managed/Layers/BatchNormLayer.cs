using System.Numerics.Tensors;

namespace EdgeFL.Training.Managed.Layers;

/// <summary>
/// torch's BatchNorm2d over channels-last activations (eps 1e-5, momentum 0.1, affine, running stats). Training
/// normalises with the batch's mean and biased variance and moves the running mean and unbiased variance toward
/// them; eval mode normalises with the running stats. Buffers: running_mean, running_var (float32 [C]),
/// num_batches_tracked (int64 scalar).
/// </summary>
internal sealed class BatchNormLayer : Layer
{
    private const float Epsilon = 1e-5f;
    private const float Momentum = 0.1f;

    private readonly Parameter gamma;
    private readonly Parameter beta;
    private readonly int channels;
    private readonly int positions;
    private readonly float[] mean;
    private readonly float[] invStd;
    private readonly float[] scratch;
    private float[] normalized = [];

    public BatchNormLayer(string prefix, int channels, int positions)
    {
        this.channels = channels;
        this.positions = positions;
        gamma = new Parameter(prefix + "weight", [channels]);
        beta = new Parameter(prefix + "bias", [channels]);
        Prefix = prefix;
        RunningMean = new float[channels];
        RunningVar = new float[channels];
        mean = new float[channels];
        invStd = new float[channels];
        scratch = new float[channels];
    }

    public string Prefix { get; }

    public float[] RunningMean { get; }

    public float[] RunningVar { get; }

    public long NumBatchesTracked { get; set; }

    public override int InputSize => positions * channels;

    public override int OutputSize => positions * channels;

    public override IEnumerable<Parameter> Parameters => [gamma, beta];

    /// <summary>torch.nn's defaults: weight 1, bias 0, running mean 0, running variance 1, no batches.</summary>
    public void Reset()
    {
        gamma.Value.AsSpan().Fill(1f);
        beta.Value.AsSpan().Clear();
        RunningMean.AsSpan().Clear();
        RunningVar.AsSpan().Fill(1f);
        NumBatchesTracked = 0;
    }

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        int rows = batch * positions;
        int c = channels;
        if (training)
        {
            Span<float> sum = mean;
            sum.Clear();
            for (int r = 0; r < rows; r++)
            {
                Lanes.Add(input.AsSpan(r * c, c), sum);
            }

            TensorPrimitives.Multiply(sum, 1f / rows, mean);

            // Two passes, as torch: the variance is the mean of squared deviations from the mean.
            Span<float> squares = invStd;
            squares.Clear();
            Span<float> ones = scratch;
            ones.Fill(1f);
            for (int r = 0; r < rows; r++)
            {
                Span<float> centred = normalized.AsSpan(r * c, c);
                Lanes.SubtractMultiply(input.AsSpan(r * c, c), mean, ones, centred);
                Lanes.MultiplyAdd(centred, centred, squares);
            }

            for (int ch = 0; ch < c; ch++)
            {
                float biased = squares[ch] / rows;
                float unbiased = rows > 1 ? squares[ch] / (rows - 1) : biased;
                RunningMean[ch] = ((1 - Momentum) * RunningMean[ch]) + (Momentum * mean[ch]);
                RunningVar[ch] = ((1 - Momentum) * RunningVar[ch]) + (Momentum * unbiased);
                invStd[ch] = 1f / MathF.Sqrt(biased + Epsilon);
            }

            NumBatchesTracked++;
            for (int r = 0; r < rows; r++)
            {
                Span<float> xhat = normalized.AsSpan(r * c, c);
                Lanes.SubtractMultiply(input.AsSpan(r * c, c), mean, invStd, xhat);
                Lanes.Affine(xhat, gamma.Value, beta.Value, Output.AsSpan(r * c, c));
            }

            return;
        }

        // Eval: y = x * (gamma / sqrt(var + eps)) + (beta - mean * gamma / sqrt(var + eps)).
        for (int ch = 0; ch < c; ch++)
        {
            scratch[ch] = gamma.Value[ch] / MathF.Sqrt(RunningVar[ch] + Epsilon);
            mean[ch] = beta.Value[ch] - (RunningMean[ch] * scratch[ch]);
        }

        for (int r = 0; r < rows; r++)
        {
            Lanes.Affine(input.AsSpan(r * c, c), scratch, mean, Output.AsSpan(r * c, c));
        }
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        int rows = batch * positions;
        int c = channels;
        Span<float> dGamma = gamma.Grad;
        Span<float> dBeta = beta.Grad;
        dGamma.Clear();
        dBeta.Clear();
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> g = gradOutput.AsSpan(r * c, c);
            Lanes.Add(g, dBeta);
            Lanes.MultiplyAdd(g, normalized.AsSpan(r * c, c), dGamma);
        }

        if (!needGradInput)
        {
            return;
        }

        // dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) = dy * k + shift + xhat * slope, per channel.
        Span<float> k = scratch;
        TensorPrimitives.Multiply(gamma.Value, invStd, k);
        Span<float> shift = mean; // the forward's mean is no longer needed: xhat holds it
        Span<float> slope = invStd.AsSpan(); // nor invstd, once k is made
        for (int ch = 0; ch < c; ch++)
        {
            shift[ch] = -k[ch] * dBeta[ch] / rows;
            slope[ch] = -k[ch] * dGamma[ch] / rows;
        }

        for (int r = 0; r < rows; r++)
        {
            Span<float> dx = GradInput.AsSpan(r * c, c);
            Lanes.Affine(gradOutput.AsSpan(r * c, c), k, shift, dx);
            Lanes.MultiplyAdd(normalized.AsSpan(r * c, c), slope, dx);
        }
    }

    protected override void OnReserve(int batch) => normalized = new float[batch * positions * channels];
}
