using System.Numerics.Tensors;

namespace EdgeFL.Training.Managed.Layers;

/// <summary>Mean over the H x W positions of channels-last activations: [N, H*W, C] -> [N, C] (torch's AdaptiveAvgPool2d(1) then flatten).</summary>
internal sealed class GlobalAveragePoolLayer(int positions, int channels) : Layer
{
    public override int InputSize => positions * channels;

    public override int OutputSize => channels;

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        float scale = 1f / positions;
        for (int n = 0; n < batch; n++)
        {
            Span<float> output = Output.AsSpan(n * channels, channels);
            output.Clear();
            for (int p = 0; p < positions; p++)
            {
                TensorPrimitives.Add(output, input.AsSpan(((n * positions) + p) * channels, channels), output);
            }

            TensorPrimitives.Multiply(output, scale, output);
        }
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        if (!needGradInput)
        {
            return;
        }

        float scale = 1f / positions;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> g = gradOutput.AsSpan(n * channels, channels);
            for (int p = 0; p < positions; p++)
            {
                TensorPrimitives.Multiply(g, scale, GradInput.AsSpan(((n * positions) + p) * channels, channels));
            }
        }
    }
}
