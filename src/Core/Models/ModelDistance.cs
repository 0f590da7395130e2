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

        return Math.Sqrt(SumOfSquares(model, reference));
    }

    /// <summary>
    /// The L2 norm of <paramref name="model"/> over all float tensors together (f32, and q8 dequantized);
    /// int64 tensors do not count. NaN or an infinity in the model gives a non-finite result.
    /// </summary>
    public static double Norm(ModelState model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Math.Sqrt(SumOfSquares(model, reference: null));
    }

    /// <summary>The squared L2 norm of <c>model - reference</c> (of <c>model</c> alone without a reference), streamed in chunks.</summary>
    private static double SumOfSquares(ModelState model, ModelState? reference)
    {
        Span<float> a = stackalloc float[FloatChunks.Length];
        Span<float> b = stackalloc float[FloatChunks.Length];
        b.Clear(); // the zeros a model alone is measured against
        double squared = 0;
        for (int i = 0; i < model.Tensors.Count; i++)
        {
            NamedTensor x = model.Tensors[i];
            if (x.DType.Logical() != TensorDType.Float32)
            {
                continue;
            }

            int count = checked((int)x.ElementCount);
            for (int start = 0; start < count; start += FloatChunks.Length)
            {
                int n = Math.Min(FloatChunks.Length, count - start);
                var values = FloatChunks.Read(x, start, a[..n]);
                squared += reference is null
                    ? SquaredDistance(values, b[..n])
                    : SquaredDistance(values, FloatChunks.Read(reference.Tensors[i], start, b[..n]));
            }
        }

        return squared;
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
