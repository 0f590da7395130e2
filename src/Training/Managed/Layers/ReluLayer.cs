namespace EdgeFL.Training.Managed.Layers;

/// <summary>max(x, 0), elementwise.</summary>
internal sealed class ReluLayer(int size) : Layer
{
    public override int InputSize => size;

    public override int OutputSize => size;

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        Span<float> output = Output.AsSpan(0, batch * size);
        ReadOnlySpan<float> x = input.AsSpan(0, output.Length);
        for (int i = 0; i < output.Length; i++)
        {
            output[i] = x[i] > 0 ? x[i] : 0;
        }
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        if (!needGradInput)
        {
            return;
        }

        Span<float> gradInput = GradInput.AsSpan(0, batch * size);
        ReadOnlySpan<float> x = input.AsSpan(0, gradInput.Length);
        ReadOnlySpan<float> g = gradOutput.AsSpan(0, gradInput.Length);
        for (int i = 0; i < gradInput.Length; i++)
        {
            gradInput[i] = x[i] > 0 ? g[i] : 0;
        }
    }
}
