using EdgeFL.Core.Models;

namespace EdgeFL.Cli.Inspect;

/// <summary>One tensor of a model as an operator reads it: name, dtype, shape, size and norm.</summary>
internal sealed record TensorSummary(string Name, string DType, IReadOnlyList<int> Shape, long Elements, long Bytes, Quantization? Quantization, double? L2Norm)
{
    public static TensorSummary Of(NamedTensor tensor) => new(
        tensor.Name,
        tensor.DType.WireName(),
        tensor.Shape,
        tensor.ElementCount,
        tensor.Data.Length,
        tensor.Quantization,
        tensor.DType.Logical() == TensorDType.Float32 ? ModelDistance.Norm(new ModelState([tensor])) : null);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
