using System.Numerics.Tensors;

namespace EdgeFL.Training.Managed.Layers;

/// <summary>
/// y = x W^T (+ b) on every position of a sample: torch's Linear (one position) and a 1x1 convolution over
/// channels-last activations (H x W positions, no bias). Weight [out, in] (or [out, in, 1, 1]), bias [out].
/// </summary>
internal sealed class LinearLayer : Layer
{
    private readonly int inFeatures;
    private readonly int outFeatures;
    private readonly int positions;
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly float[] weightT;

    public LinearLayer(Parameter weight, Parameter? bias, int positions = 1)
    {
        this.weight = weight;
        this.bias = bias;
        this.positions = positions;
        outFeatures = weight.Shape[0];
        inFeatures = weight.FanIn;
        weightT = new float[weight.Count];
    }

    public override int InputSize => positions * inFeatures;

    public override int OutputSize => positions * outFeatures;

    public override IEnumerable<Parameter> Parameters => bias is null ? [weight] : [weight, bias];

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        int rows = batch * positions;
        ManagedGemm.Transpose(weight.Value, weightT, outFeatures, inFeatures);
        compute.MultiplyNN(input, weightT, Output, rows, outFeatures, inFeatures);
        if (bias is not null)
        {
            for (int r = 0; r < rows; r++)
            {
                Span<float> row = Output.AsSpan(r * outFeatures, outFeatures);
                TensorPrimitives.Add(row, bias.Value, row);
            }
        }
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        int rows = batch * positions;
        compute.MultiplyTN(gradOutput, input, weight.Grad, outFeatures, inFeatures, rows);
        if (bias is not null)
        {
            Span<float> db = bias.Grad;
            db.Clear();
            for (int r = 0; r < rows; r++)
            {
                TensorPrimitives.Add(db, gradOutput.AsSpan(r * outFeatures, outFeatures), db);
            }
        }

        if (needGradInput)
        {
            compute.MultiplyNN(gradOutput, weight.Value, GradInput, rows, inFeatures, outFeatures);
        }
    }
}
