using System.Numerics.Tensors;

namespace EdgeFL.Core.Models;

/// <summary>Distances between models of one layout, over their float tensors.</summary>
public static class ModelDistance
{
    /// <summary>
    /// The L2 norm of <c>model - reference</c> over all float tensors together (f32, and q8 dequantized);
    /// int64 tensors do not count. Streams in stack-sized chunks: nothing model-sized is allocated.
    /// NaN or an infinity in either model gives a non-finite result.
    /// </summary>
    /// <exception cref="ArgumentException">The models' tensors differ in name, shape or logical dtype.</exception>
    public static double L2(ModelState model, ModelState reference)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reference);
        if (!model.HasSameLayout(reference))
        {
            throw new ArgumentException("the models' tensors differ in name, shape or dtype", nameof(model));
        }

        Span<float> a = stackalloc float[FloatChunks.Length];
        Span<float> b = stackalloc float[FloatChunks.Length];
        double squared = 0;
        for (int i = 0; i < model.Tensors.Count; i++)
        {
            NamedTensor x = model.Tensors[i];
            if (x.DType.Logical() != TensorDType.Float32)
            {
                continue;
            }

            NamedTensor y = reference.Tensors[i];
            int count = checked((int)x.ElementCount);
            for (int start = 0; start < count; start += FloatChunks.Length)
            {
                int n = Math.Min(FloatChunks.Length, count - start);
                squared += SquaredDistance(FloatChunks.Read(x, start, a[..n]), FloatChunks.Read(y, start, b[..n]));
            }
        }

        return Math.Sqrt(squared);
    }

    private static double SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float d = TensorPrimitives.Distance(x, y);
        if (float.IsFinite(d))
        {
            return (double)d * d;
        }

        // The float sum of squares overflowed (or a value is not finite): again in double, which holds
        // any sum of squared float32 differences a model can have.
        double sum = 0;
        for (int k = 0; k < x.Length; k++)
        {
            double diff = (double)x[k] - y[k];
            sum += diff * diff;
        }

        return sum;
    }
}
