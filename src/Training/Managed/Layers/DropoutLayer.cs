namespace EdgeFL.Training.Managed.Layers;

/// <summary>
/// Inverted dropout as torch's: in training each element is zeroed with probability p and the rest scaled by 1/(1-p);
/// identity in eval mode. The mask comes from the network's managed generator.
/// </summary>
internal sealed class DropoutLayer(int size, double probability, DropoutSource source) : Layer
{
    private readonly float scale = (float)(1.0 / (1.0 - probability));
    private float[] mask = [];
    private bool masked;

    public override int InputSize => size;

    public override int OutputSize => size;

    public override void Forward(float[] input, int batch, bool training, Compute compute)
    {
        int count = batch * size;
        masked = training && probability > 0;
        if (!masked)
        {
            Array.Copy(input, Output, count);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            mask[i] = source.Random.NextDouble() < probability ? 0f : scale;
            Output[i] = input[i] * mask[i];
        }
    }

    public override void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute)
    {
        if (!needGradInput)
        {
            return;
        }

        int count = batch * size;
        if (!masked)
        {
            Array.Copy(gradOutput, GradInput, count);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            GradInput[i] = gradOutput[i] * mask[i];
        }
    }

    protected override void OnReserve(int batch) => mask = new float[batch * size];
}
