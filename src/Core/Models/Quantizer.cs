using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EdgeFL.Core.Models;

/// <summary>
/// Per-tensor affine 8-bit quantization as PyTorch's quint8: the range always includes 0, so zero is exact
/// and every element is reconstructed within scale/2.
/// </summary>
public static class Quantizer
{
    /// <summary>Floats processed per step; the scratch buffer lives on the stack.</summary>
    internal const int ChunkLength = 1024;

    /// <summary>Quantizes a float32 tensor to q8; int64 and already-quantized tensors are returned unchanged.</summary>
    /// <exception cref="ArgumentException">The tensor contains NaN or an infinity.</exception>
    public static NamedTensor Quantize(NamedTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DType != TensorDType.Float32)
        {
            return tensor;
        }

        ReadOnlySpan<float> x = tensor.AsFloat32();
        Quantization p = ChooseParameters(x, tensor.Name);
        var q = new byte[x.Length];
        QuantizeInto(x, p, q);
        return new NamedTensor(tensor.Name, (int[])tensor.Shape.Clone(), TensorDType.QUInt8, q, p);
    }

    /// <summary>Reconstructs a float32 tensor from q8 (<c>x = scale * (q - zp)</c>); other tensors are returned unchanged.</summary>
    public static NamedTensor Dequantize(NamedTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Quantization is not { } p)
        {
            return tensor;
        }

        var bytes = new byte[checked(tensor.Data.Length * sizeof(float))];
        Span<float> x = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        ByteConversion.ToSingle(tensor.Data.Span, x);
        TensorPrimitives.Subtract(x, p.ZeroPoint, x);
        TensorPrimitives.Multiply(x, p.Scale, x);
        return new NamedTensor(tensor.Name, (int[])tensor.Shape.Clone(), TensorDType.Float32, bytes);
    }

    /// <summary>Quantizes every float32 tensor of a model.</summary>
    /// <exception cref="ArgumentException">A tensor contains NaN or an infinity.</exception>
    public static ModelState Quantize(ModelState model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new NamedTensor[model.Tensors.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i] = Quantize(model.Tensors[i]);
        }

        return new ModelState(tensors);
    }

    /// <summary>Dequantizes every q8 tensor of a model back to float32.</summary>
    public static ModelState Dequantize(ModelState model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new NamedTensor[model.Tensors.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i] = Dequantize(model.Tensors[i]);
        }

        return new ModelState(tensors);
    }

    /// <summary>Scale and zero point for the range [min(min, 0), max(max, 0)].</summary>
    internal static Quantization ChooseParameters(ReadOnlySpan<float> x, string name)
    {
        if (x.IsEmpty)
        {
            return new Quantization(1f, 0);
        }

        // Min/Max propagate NaN, and an infinity shows up as an infinite extreme: one check covers both.
        float min = TensorPrimitives.Min(x);
        float max = TensorPrimitives.Max(x);
        if (!float.IsFinite(min) || !float.IsFinite(max))
        {
            throw new ArgumentException($"tensor '{name}' contains NaN or an infinity and cannot be quantized", nameof(x));
        }

        double lo = Math.Min(min, 0f);
        double hi = Math.Max(max, 0f);
        if (hi == lo)
        {
            return new Quantization(1f, 0);
        }

        // float.Epsilon guards a range so tiny that range/255 underflows to zero.
        float scale = Math.Max((float)((hi - lo) / 255.0), float.Epsilon);
        int zp = (int)Math.Clamp(Math.Round(-lo / scale, MidpointRounding.ToEven), 0, 255);
        return new Quantization(scale, zp);
    }

    /// <summary><c>q = clamp(round(x / scale) + zp, 0, 255)</c>, in stack-sized chunks.</summary>
    internal static void QuantizeInto(ReadOnlySpan<float> x, Quantization p, Span<byte> q)
    {
        Span<float> tmp = stackalloc float[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int n = Math.Min(ChunkLength, x.Length - start);
            Span<float> t = tmp[..n];
            TensorPrimitives.Divide(x.Slice(start, n), p.Scale, t);
            TensorPrimitives.Round(t, t);
            TensorPrimitives.Add(t, p.ZeroPoint, t);
            TensorPrimitives.Clamp(t, 0f, 255f, t);
            ByteConversion.FromSingle(t, q.Slice(start, n));
        }
    }
}
