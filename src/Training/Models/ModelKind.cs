namespace EdgeFL.Training.Models;

/// <summary>The model architectures EdgeFL trains; every backend builds the same parameter names, shapes and order for a kind.</summary>
public enum ModelKind
{
    /// <summary>EdgeMlp: 784 -> 32 -> 16 -> 10.</summary>
    Mlp,

    /// <summary>MobileNetTiny: depthwise-separable CNN, width 0.25, 1x28x28 input.</summary>
    MobileNet,
}
