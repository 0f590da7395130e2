namespace EdgeFL.Training.Managed;

/// <summary>
/// One stage of a managed network over row-major float buffers. A layer owns its output and input-gradient
/// buffers, sized for the largest batch seen, so a step allocates nothing once warm.
/// </summary>
internal abstract class Layer
{
    /// <summary>Floats per sample in the input.</summary>
    public abstract int InputSize { get; }

    /// <summary>Floats per sample in the output.</summary>
    public abstract int OutputSize { get; }

    /// <summary>The layer's parameters, in state-dict order.</summary>
    public virtual IEnumerable<Parameter> Parameters => [];

    /// <summary>The output of the last <see cref="Forward"/> (first batch x <see cref="OutputSize"/> floats are valid).</summary>
    public float[] Output { get; private set; } = [];

    /// <summary>d loss / d input of the last <see cref="Backward"/> (only when it was asked for).</summary>
    public float[] GradInput { get; private set; } = [];

    /// <summary>Computes <see cref="Output"/> from the first batch x <see cref="InputSize"/> floats of <paramref name="input"/>.</summary>
    public abstract void Forward(float[] input, int batch, bool training, Compute compute);

    /// <summary>
    /// Sets the parameters' gradients from <paramref name="gradOutput"/> (and the <paramref name="input"/> the last forward saw);
    /// fills <see cref="GradInput"/> when <paramref name="needGradInput"/>.
    /// </summary>
    public abstract void Backward(float[] input, float[] gradOutput, int batch, bool needGradInput, Compute compute);

    /// <summary>Makes sure the buffers hold <paramref name="batch"/> samples; grows them only when needed.</summary>
    public void Reserve(int batch)
    {
        if (Output.Length < batch * OutputSize)
        {
            Output = new float[batch * OutputSize];
            GradInput = new float[batch * InputSize];
            OnReserve(batch);
        }
    }

    /// <summary>Grows any further per-batch buffers a layer keeps.</summary>
    protected virtual void OnReserve(int batch)
    {
    }
}
