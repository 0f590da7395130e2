using EdgeFL.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeFL.Training;

/// <summary>Converts a TorchSharp module's full state dict (parameters and buffers) to and from a <see cref="ModelState"/>, bit-exactly.</summary>
public static class ModelStateConverter
{
    /// <summary>A snapshot of every tensor in <paramref name="module"/>'s state dict, in its order, as owned little-endian bytes.</summary>
    public static ModelState ToModelState(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var tensors = new List<NamedTensor>();
        foreach (var (name, tensor) in module.state_dict())
        {
            TensorDType dtype = ToDType(name, tensor.dtype);
            int[] shape = ToShape(name, tensor.shape);
            tensors.Add(new NamedTensor(name, shape, dtype, CopyBytes(tensor)));
        }

        return new ModelState(tensors);
    }

    /// <summary>
    /// Copies <paramref name="state"/> into <paramref name="module"/>'s existing tensors. Names, shapes and
    /// dtypes must match the module's state dict exactly; nothing is written unless all of them do.
    /// </summary>
    public static void Load(nn.Module module, ModelState state)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        Dictionary<string, Tensor> targets = module.state_dict();
        var pairs = new List<(Tensor Target, NamedTensor Source)>(state.Tensors.Count);
        foreach (NamedTensor source in state.Tensors)
        {
            if (source.DType == TensorDType.QUInt8)
            {
                throw new ArgumentException($"tensor '{source.Name}' is quantized (q8); dequantize the state to f32 before loading it into a model", nameof(state));
            }

            if (!targets.TryGetValue(source.Name, out Tensor? target))
            {
                throw new ArgumentException($"tensor '{source.Name}' does not exist in the model", nameof(state));
            }

            TensorDType targetDType = ToDType(source.Name, target.dtype);
            if (targetDType != source.DType)
            {
                throw new ArgumentException($"tensor '{source.Name}' is {source.DType.WireName()} but the model holds {targetDType.WireName()}", nameof(state));
            }

            int[] targetShape = ToShape(source.Name, target.shape);
            if (!targetShape.AsSpan().SequenceEqual(source.Shape))
            {
                throw new ArgumentException($"tensor '{source.Name}' has shape [{string.Join(", ", source.Shape)}] but the model expects [{string.Join(", ", targetShape)}]", nameof(state));
            }

            pairs.Add((target, source));
        }

        if (pairs.Count != targets.Count)
        {
            var given = state.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            string missing = targets.Keys.First(k => !given.Contains(k));
            throw new ArgumentException($"tensor '{missing}' of the model is missing from the state", nameof(state));
        }

        using (no_grad())
        {
            foreach (var (target, source) in pairs)
            {
                CopyInto(target, source.Data.Span);
            }
        }
    }

    private static byte[] CopyBytes(Tensor tensor)
    {
        if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous())
        {
            return tensor.bytes.ToArray();
        }

        using var contiguous = tensor.cpu().contiguous();
        return contiguous.bytes.ToArray();
    }

    private static void CopyInto(Tensor target, ReadOnlySpan<byte> data)
    {
        if (target.device_type == DeviceType.CPU && target.is_contiguous())
        {
            // Tensor.bytes is a view of the tensor's own storage: one memcpy, no temporary tensor.
            data.CopyTo(target.bytes);
            return;
        }

        using var staging = empty(target.shape, target.dtype);
        data.CopyTo(staging.bytes);
        target.copy_(staging);
    }

    private static TensorDType ToDType(string name, ScalarType type) => type switch
    {
        ScalarType.Float32 => TensorDType.Float32,
        ScalarType.Int64 => TensorDType.Int64,
        _ => throw new NotSupportedException($"tensor '{name}' has dtype {type}; only float32 and int64 tensors are supported"),
    };

    private static int[] ToShape(string name, long[] shape)
    {
        var result = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] > int.MaxValue)
            {
                throw new NotSupportedException($"tensor '{name}' has a dimension of {shape[i]}, beyond int range");
            }

            result[i] = (int)shape[i];
        }

        return result;
    }
}
