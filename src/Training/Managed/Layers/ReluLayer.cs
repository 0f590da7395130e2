namespace EdgeFL.Training.Managed.Layers;

/// <summary>max(x, 0), elementwise.</summary>
internal sealed class ReluLayer(int size) : Layer
{
    public override int InputSize => size;

    public override int OutputSize => size;

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        Lanes.Relu(input, Output.AsSpan(0, batch * size));
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        if (!needGradInput)
        {
            return;
        }

        Lanes.ReluBackward(input, gradOutput, GradInput.AsSpan(0, batch * size));
    }
}
