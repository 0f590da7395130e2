using System.Numerics.Tensors;

namespace EdgeFL.Core.Models;

/// <summary>
/// Float tensors read in stack-sized chunks: an f32 tensor is viewed in place, a q8 one is dequantized
/// into the caller's buffer, so model-wide float arithmetic needs no model-sized scratch.
/// </summary>
internal static class FloatChunks
{
    /// <summary>Elements per chunk (the caller's buffer, on the stack).</summary>
    public const int Length = Quantizer.ChunkLength;

    /// <summary>Elements <c>[start, start + buffer.Length)</c> of a logical float32 tensor.</summary>
    public static ReadOnlySpan<float> Read(NamedTensor tensor, int start, Span<float> buffer)
    {
        if (tensor.DType == TensorDType.Float32)
        {
            return tensor.AsFloat32().Slice(start, buffer.Length);
        }

        Dequantize(tensor.Data.Span.Slice(start, buffer.Length), tensor.Quantization!.Value, buffer);
        return buffer;
    }

    /// <summary><c>x = scale * (q - zp)</c>.</summary>
    public static void Dequantize(ReadOnlySpan<byte> q, Quantization p, Span<float> x)
    {
        ByteConversion.ToSingle(q, x);
        TensorPrimitives.Subtract(x, p.ZeroPoint, x);
        TensorPrimitives.Multiply(x, p.Scale, x);
    }

    /// <summary><c>values = reference + scale * (values - reference)</c>: moves values towards a reference tensor.</summary>
    public static void ScaleTowards(Span<float> values, NamedTensor reference, float scale)
    {
        Span<float> buffer = stackalloc float[Length];
        for (int start = 0; start < values.Length; start += Length)
        {
            int n = Math.Min(Length, values.Length - start);
            ReadOnlySpan<float> r = Read(reference, start, buffer[..n]);
            Span<float> v = values.Slice(start, n);
            TensorPrimitives.Subtract(v, r, v);
            TensorPrimitives.MultiplyAdd(v, scale, r, v);
        }
    }
}
