namespace EdgeFL.Training.Managed;

/// <summary>One trainable tensor: its state-dict name and shape, its values, its gradient and its SGD momentum buffer.</summary>
internal sealed class Parameter
{
    public Parameter(string name, int[] shape)
    {
        Name = name;
        Shape = shape;
        int count = 1;
        foreach (int d in shape)
        {
            count = checked(count * d);
        }

        Value = new float[count];
        Grad = new float[count];
    }

    public string Name { get; }

    public int[] Shape { get; }

    public float[] Value { get; }

    /// <summary>d loss / d value of the last backward pass (overwritten, not accumulated, by each pass).</summary>
    public float[] Grad { get; }

    /// <summary>SGD's momentum buffer; allocated on the first step with momentum.</summary>
    public float[]? Momentum { get; set; }

    /// <summary>The value at the start of a training run, for FedProx's proximal term; allocated on first use.</summary>
    public float[]? Anchor { get; set; }

    /// <summary>Elements in the tensor.</summary>
    public int Count => Value.Length;

    /// <summary>Product of all dimensions but the first: the fan-in torch.nn's default initialisation uses.</summary>
    public int FanIn
    {
        get
        {
            int fan = 1;
            for (int i = 1; i < Shape.Length; i++)
            {
                fan *= Shape[i];
            }

            return fan;
        }
    }
}
