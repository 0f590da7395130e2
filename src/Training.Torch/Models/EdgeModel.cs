using TorchSharp;
using static TorchSharp.torch;

namespace EdgeFL.Training.Models;

/// <summary>A classifier small enough for an edge device: takes [N, features] (or a model-specific shape), returns [N, classes] logits.</summary>
public abstract class EdgeModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Names the module (the name does not appear in state-dict keys).</summary>
    protected EdgeModel(string name)
        : base(name)
    {
    }

    /// <summary>Which architecture this is.</summary>
    public abstract ModelKind Kind { get; }

    /// <summary>Number of trainable parameter elements (buffers excluded).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Parameter bytes in MiB (numel x element size / 1024^2; buffers excluded), as the reference tutorial's get_model_size_mb.</summary>
    public double SizeMegabytes => parameters().Sum(p => p.numel() * p.element_size()) / (1024.0 * 1024.0);
}
