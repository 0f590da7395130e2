using System.Runtime.InteropServices;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>Pure aggregation functions, written for clarity rather than speed; the reference the streaming code is checked against.</summary>
public static class Aggregate
{
    /// <summary>
    /// The weighted mean of <paramref name="updates"/>, computed element by element in double
    /// (q8 tensors dequantized, int64 means rounded to nearest, ties to even).
    /// </summary>
    public static ModelState WeightedMean(IReadOnlyList<(ModelState Model, double Weight)> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            throw new ArgumentException("no updates to average", nameof(updates));
        }

        ModelState first = updates[0].Model;
        double totalWeight = 0;
        foreach ((ModelState model, double weight) in updates)
        {
            if (!model.HasSameLayout(first))
            {
                throw new ArgumentException("updates differ in layout", nameof(updates));
            }

            totalWeight += weight;
        }

        var result = new NamedTensor[first.Tensors.Count];
        for (int i = 0; i < result.Length; i++)
        {
            NamedTensor layout = first.Tensors[i];
            var sums = new double[layout.ElementCount];
            foreach ((ModelState model, double weight) in updates)
            {
                NamedTensor t = model.Tensors[i];
                for (int k = 0; k < sums.Length; k++)
                {
                    sums[k] += weight * ValueAt(t, k);
                }
            }

            if (layout.DType.Logical() == TensorDType.Float32)
            {
                var mean = new float[sums.Length];
                for (int k = 0; k < sums.Length; k++)
                {
                    mean[k] = (float)(sums[k] / totalWeight);
                }

                result[i] = NamedTensor.FromFloat32(layout.Name, (int[])layout.Shape.Clone(), mean);
            }
            else
            {
                var mean = new long[sums.Length];
                for (int k = 0; k < sums.Length; k++)
                {
                    mean[k] = (long)Math.Round(sums[k] / totalWeight, MidpointRounding.ToEven);
                }

                result[i] = NamedTensor.FromInt64(layout.Name, (int[])layout.Shape.Clone(), mean);
            }
        }

        return new ModelState(result);
    }

    private static double ValueAt(NamedTensor t, int k) => t.DType switch
    {
        TensorDType.Float32 => MemoryMarshal.Cast<byte, float>(t.Data.Span)[k],
        TensorDType.Int64 => MemoryMarshal.Cast<byte, long>(t.Data.Span)[k],
        TensorDType.QUInt8 => (double)t.Quantization!.Value.Scale * (t.Data.Span[k] - t.Quantization.Value.ZeroPoint),
        _ => throw new ArgumentOutOfRangeException(nameof(t), t.DType, "unknown dtype"),
    };
}
