using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeFL.Training.Models;

/// <summary>Compact MLP: Linear, ReLU, Dropout per hidden layer, then a Linear head; state-dict names <c>net.0.weight</c>, <c>net.3.weight</c>, ...</summary>
public sealed class EdgeMlp : EdgeModel
{
    /// <summary>Hidden widths used when none are given.</summary>
    public static readonly IReadOnlyList<int> DefaultHiddenDims = [32, 16];

    // The field name is the state-dict prefix: keep it "net", as in the reference model.
    private readonly Module<Tensor, Tensor> net;

    /// <summary>Builds the MLP with PyTorch's default initialization (seed torch first for a reproducible one).</summary>
    public EdgeMlp(int inputDim = 784, int classes = 10, IReadOnlyList<int>? hiddenDims = null, double dropout = 0.1)
        : base(nameof(EdgeMlp))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDim);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(dropout);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(dropout, 1.0);
        hiddenDims ??= DefaultHiddenDims;

        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int current = inputDim;
        foreach (int hidden in hiddenDims)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden, nameof(hiddenDims));
            layers.Add(($"{layers.Count}", Linear(current, hidden)));
            layers.Add(($"{layers.Count}", ReLU()));
            layers.Add(($"{layers.Count}", Dropout(dropout)));
            current = hidden;
        }

        layers.Add(($"{layers.Count}", Linear(current, classes)));
        net = Sequential(layers);
        InputDim = inputDim;
        Classes = classes;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.Mlp;

    /// <summary>Features per sample.</summary>
    public int InputDim { get; }

    /// <summary>Number of output classes.</summary>
    public int Classes { get; }

    /// <summary>[N, InputDim] -> [N, Classes] logits.</summary>
    public override Tensor forward(Tensor input) => net.forward(input);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            net.Dispose();
        }

        base.Dispose(disposing);
    }
}
