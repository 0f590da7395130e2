namespace EdgeFL.Core.Models;

/// <summary>
/// One named tensor of a model: shape, element type and the raw little-endian element bytes.
/// </summary>
/// <remarks>
/// <see cref="Data"/> may be a view into a received network buffer; a holder that keeps the tensor
/// beyond the buffer's lifetime calls <see cref="Detach"/>.
/// </remarks>
public sealed class NamedTensor
{
    /// <summary>Creates a tensor and checks that the byte length matches the shape and dtype.</summary>
    public NamedTensor(string name, int[] shape, TensorDType dtype, ReadOnlyMemory<byte> data, Quantization? quantization = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        long count = ElementCountOf(shape);
        if (data.Length != count * dtype.ElementSize())
        {
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes do not hold {count} elements of {dtype.WireName()}", nameof(data));
        }

        if ((dtype == TensorDType.QUInt8) != quantization.HasValue)
        {
            throw new ArgumentException($"tensor '{name}': quantization parameters go with dtype q8 and only with it", nameof(quantization));
        }

        Name = name;
        Shape = shape;
        DType = dtype;
        Data = data;
        Quantization = quantization;
        ElementCount = count;
    }

    /// <summary>The tensor's name, as in a PyTorch state dict (<c>net.0.weight</c>).</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first. A scalar has an empty shape.</summary>
    public int[] Shape { get; }

    /// <summary>How <see cref="Data"/> is encoded.</summary>
    public TensorDType DType { get; }

    /// <summary>Raw little-endian element bytes, <see cref="ElementCount"/> x element size long.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Present exactly when <see cref="DType"/> is <see cref="TensorDType.QUInt8"/>.</summary>
    public Quantization? Quantization { get; }

    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Float32 elements of a <see cref="TensorDType.Float32"/> tensor, without copying.</summary>
    public ReadOnlySpan<float> AsFloat32()
    {
        if (DType != TensorDType.Float32)
        {
            throw new InvalidOperationException($"tensor '{Name}' is {DType.WireName()}, not f32");
        }

        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Data.Span);
    }

    /// <summary>Int64 elements of a <see cref="TensorDType.Int64"/> tensor, without copying.</summary>
    public ReadOnlySpan<long> AsInt64()
    {
        if (DType != TensorDType.Int64)
        {
            throw new InvalidOperationException($"tensor '{Name}' is {DType.WireName()}, not i64");
        }

        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(Data.Span);
    }

    /// <summary>A copy that owns its bytes.</summary>
    public NamedTensor Detach() => new(Name, (int[])Shape.Clone(), DType, Data.ToArray(), Quantization);

    /// <summary>True when name, shape and logical dtype equal <paramref name="other"/>'s.</summary>
    public bool HasSameLayout(NamedTensor other) =>
        Name == other.Name && DType.Logical() == other.DType.Logical() && Shape.AsSpan().SequenceEqual(other.Shape);

    /// <summary>Product of the dimensions; throws for a negative dimension or an overflow.</summary>
    public static long ElementCountOf(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("a dimension is negative", nameof(shape));
            }

            count = checked(count * d);
        }

        return count;
    }

    /// <summary>A float32 tensor over a copy of <paramref name="values"/>.</summary>
    public static NamedTensor FromFloat32(string name, int[] shape, ReadOnlySpan<float> values) =>
        new(name, shape, TensorDType.Float32, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>An int64 tensor over a copy of <paramref name="values"/>.</summary>
    public static NamedTensor FromInt64(string name, int[] shape, ReadOnlySpan<long> values) =>
        new(name, shape, TensorDType.Int64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());
}
