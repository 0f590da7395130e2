namespace EdgeFL.Training.Models;

/// <summary>The model architectures <see cref="ModelFactory"/> builds.</summary>
public enum ModelKind
{
    /// <summary><see cref="EdgeMlp"/>: 784 -> 32 -> 16 -> 10.</summary>
    Mlp,

    /// <summary><see cref="MobileNetTiny"/>: depthwise-separable CNN, width 0.25, 1x28x28 input.</summary>
    MobileNet,
}
