namespace EdgeFL.Core.Models;

/// <summary>Element type of a tensor as it is stored in memory and on the wire.</summary>
public enum TensorDType : byte
{
    /// <summary>IEEE 754 binary32, little-endian. Wire name <c>f32</c>.</summary>
    Float32 = 1,

    /// <summary>Two's-complement 64-bit integer, little-endian (batch-norm counters). Wire name <c>i64</c>.</summary>
    Int64 = 2,

    /// <summary>A float32 tensor quantized to unsigned 8-bit with an affine <see cref="Quantization"/>. Wire name <c>q8</c>.</summary>
    QUInt8 = 3,
}

/// <summary>Helpers for <see cref="TensorDType"/>.</summary>
public static class TensorDTypeExtensions
{
    /// <summary>Bytes one element occupies in <see cref="NamedTensor.Data"/>.</summary>
    public static int ElementSize(this TensorDType dtype) => dtype switch
    {
        TensorDType.Float32 => 4,
        TensorDType.Int64 => 8,
        TensorDType.QUInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The logical type a model holds: a quantized tensor is a float32 tensor in transit.</summary>
    public static TensorDType Logical(this TensorDType dtype) => dtype == TensorDType.QUInt8 ? TensorDType.Float32 : dtype;

    /// <summary>The name used on the wire (see docs/PROTOCOL.md).</summary>
    public static string WireName(this TensorDType dtype) => dtype switch
    {
        TensorDType.Float32 => "f32",
        TensorDType.Int64 => "i64",
        TensorDType.QUInt8 => "q8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Parses a wire name; false for anything unknown.</summary>
    public static bool TryParseWireName(ReadOnlySpan<char> name, out TensorDType dtype)
    {
        switch (name)
        {
            case "f32": dtype = TensorDType.Float32; return true;
            case "i64": dtype = TensorDType.Int64; return true;
            case "q8": dtype = TensorDType.QUInt8; return true;
            default: dtype = default; return false;
        }
    }
}
