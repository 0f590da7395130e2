using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Streaming weighted mean of models: each update is folded into running sums as it arrives, so memory is
/// one model's worth however many updates a round receives. Not thread-safe.
/// </summary>
/// <remarks>
/// Float tensors (float32 or q8 on input) are summed in float32 with SIMD; q8 tensors are dequantized
/// in registers, fused with the weighted add. Int64 tensors are summed in double and their mean is
/// rounded to nearest (ties to even). Values are not checked for NaN here: that is <c>UpdateValidator</c>'s job.
/// </remarks>
public sealed class WeightedAverageAccumulator
{
    private readonly float[]?[] floatSums;
    private readonly double[]?[] intSums;
    private double referenceWeight; // weight owed to Layout's values by scaled adds

    /// <summary>Creates an accumulator for models with the names, shapes and logical dtypes of <paramref name="layout"/>.</summary>
    public WeightedAverageAccumulator(ModelState layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        int n = layout.Tensors.Count;
        floatSums = new float[n][];
        intSums = new double[n][];
        for (int i = 0; i < n; i++)
        {
            NamedTensor t = layout.Tensors[i];
            int count = checked((int)t.ElementCount);
            if (t.DType.Logical() == TensorDType.Float32)
            {
                floatSums[i] = new float[count];
            }
            else
            {
                intSums[i] = new double[count];
            }
        }
    }

    /// <summary>The model whose layout every update must have, and the reference of scaled adds.</summary>
    public ModelState Layout { get; private set; }

    /// <summary>Updates added since construction or <see cref="Reset"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Sum of the added weights.</summary>
    public double TotalWeight { get; private set; }

    /// <summary>
    /// Folds <paramref name="update"/> in with <paramref name="weight"/> (e.g. its sample count).
    /// Everything is checked before the sums are touched, so a throwing call changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The layout differs, a q8 tensor has invalid parameters, or the weight is not finite and positive.</exception>
    public void Add(ModelState update, double weight) => Add(update, weight, 1.0);

    /// <summary>
    /// Folds in <c>Layout + deltaScale x (update - Layout)</c> with <paramref name="weight"/>, streaming:
    /// the update's float tensors are added with weight <c>weight x deltaScale</c>, and the remaining
    /// <c>weight x (1 - deltaScale)</c> is owed to <see cref="Layout"/>'s values, added once by
    /// <see cref="Complete"/>. No scaled copy of the update is made. Int64 tensors count unscaled.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Add(ModelState, double)"/>, or the scale is outside (0, 1].</exception>
    public void Add(ModelState update, double weight, double deltaScale)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!double.IsFinite(weight) || weight <= 0 || weight > float.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "weight must be positive and finite in float32");
        }

        if (!(deltaScale > 0 && deltaScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(deltaScale), deltaScale, "the delta scale must be in (0, 1]");
        }

        CheckLayout(update);
        float w = (float)(weight * deltaScale);
        for (int i = 0; i < update.Tensors.Count; i++)
        {
            NamedTensor t = update.Tensors[i];
            switch (t.DType)
            {
                case TensorDType.Float32:
                    AddFloat32(t, w, floatSums[i]!);
                    break;
                case TensorDType.QUInt8:
                    AddQuantized(t.Data.Span, t.Quantization!.Value, w, floatSums[i]);
                    break;
                case TensorDType.Int64:
                    AddInt64(t.AsInt64(), weight, intSums[i]);
                    break;
            }
        }

        Count++;
        TotalWeight += weight;
        referenceWeight += weight * (1 - deltaScale);
    }

    /// <summary>The weighted mean of everything added: float32 and int64 tensors in the layout's order.</summary>
    /// <exception cref="InvalidOperationException">Nothing was added.</exception>
    public ModelState Complete()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("no update was added; there is no mean");
        }

        var result = new NamedTensor[Layout.Tensors.Count];
        float inverse = (float)(1.0 / TotalWeight);
        for (int i = 0; i < result.Length; i++)
        {
            NamedTensor layout = Layout.Tensors[i];
            int[] shape = (int[])layout.Shape.Clone();
            if (floatSums[i] is { } sums)
            {
                var bytes = new byte[sums.Length * sizeof(float)];
                Span<float> mean = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
                TensorPrimitives.Multiply(sums, inverse, mean);
                if (referenceWeight > 0)
                {
                    AddReference(layout, (float)(referenceWeight / TotalWeight), mean);
                }

                result[i] = new NamedTensor(layout.Name, shape, TensorDType.Float32, bytes);
            }
            else
            {
                double[] isums = intSums[i]!;
                var bytes = new byte[isums.Length * sizeof(long)];
                Span<long> mean = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                for (int k = 0; k < isums.Length; k++)
                {
                    mean[k] = (long)Math.Round(isums[k] / TotalWeight, MidpointRounding.ToEven);
                }

                result[i] = new NamedTensor(layout.Name, shape, TensorDType.Int64, bytes);
            }
        }

        return new ModelState(result);
    }

    /// <summary>
    /// Clears the sums for a new round with the same layout, keeping the buffers; <paramref name="reference"/>
    /// (same layout) becomes the new <see cref="Layout"/>, whose values scaled adds move towards.
    /// </summary>
    public void Reset(ModelState? reference = null)
    {
        if (reference is not null)
        {
            if (!reference.HasSameLayout(Layout))
            {
                throw new ArgumentException("the new reference model's tensors differ from the layout's", nameof(reference));
            }

            Layout = reference;
        }

        foreach (float[]? s in floatSums)
        {
            if (s is not null)
            {
                Array.Clear(s);
            }
        }

        foreach (double[]? s in intSums)
        {
            if (s is not null)
            {
                Array.Clear(s);
            }
        }

        Count = 0;
        TotalWeight = 0;
        referenceWeight = 0;
    }

    private void CheckLayout(ModelState update)
    {
        IReadOnlyList<NamedTensor> expected = Layout.Tensors;
        IReadOnlyList<NamedTensor> actual = update.Tensors;
        if (actual.Count != expected.Count)
        {
            throw new ArgumentException($"update has {actual.Count} tensors, the model has {expected.Count}", nameof(update));
        }

        for (int i = 0; i < expected.Count; i++)
        {
            NamedTensor e = expected[i];
            NamedTensor a = actual[i];
            if (!a.HasSameLayout(e))
            {
                throw new ArgumentException($"update tensor {i} is {Describe(a)}, the model has {Describe(e)}", nameof(update));
            }

            if (a.Quantization is { } q && (!float.IsFinite(q.Scale) || q.Scale <= 0 || q.ZeroPoint is < 0 or > 255))
            {
                throw new ArgumentException($"update tensor '{a.Name}' has invalid quantization (scale {q.Scale}, zp {q.ZeroPoint})", nameof(update));
            }
        }
    }

    internal static string Describe(NamedTensor t) => $"'{t.Name}' [{string.Join(',', t.Shape)}] {t.DType.Logical().WireName()}";

    /// <summary>The shortest slice a core gets: smaller tensors are summed on one core (the handoff would cost more).</summary>
    internal const int MinSliceElements = 32 * 1024;

    /// <summary>
    /// <c>acc += w x t</c>. A large tensor is cut into one contiguous slice per core: in cache a single core
    /// is compute-bound (TorchSharp's add on two threads beat it by 1.4-1.7x at 10^5-10^6 floats,
    /// PERFORMANCE.md figure 1). Each element is computed exactly as on one core, so the sums do not
    /// depend on the split. An accumulator that fits a cache is written so that it stays there
    /// (<see cref="ChunkedMultiplyAdd"/>).
    /// </summary>
    private static void AddFloat32(NamedTensor t, float w, float[] acc)
    {
        bool inCache = ChunkedMultiplyAdd.KeepsInCache(acc.Length);
        int parts = Math.Min(Environment.ProcessorCount, acc.Length / MinSliceElements);
        if (parts < 2)
        {
            ChunkedMultiplyAdd.Run(t.AsFloat32(), w, acc, inCache);
            return;
        }

        // Slices of whole cache lines (16 floats), so no two cores write the same line.
        int slice = ((acc.Length / parts) + 15) & ~15;
        ReadOnlyMemory<byte> data = t.Data;
        Parallel.For(0, parts, p =>
        {
            int start = p * slice;
            int length = Math.Min(slice, acc.Length - start);
            if (length > 0)
            {
                ReadOnlySpan<float> x = MemoryMarshal.Cast<byte, float>(data.Span).Slice(start, length);
                ChunkedMultiplyAdd.Run(x, w, acc.AsSpan(start, length), inCache);
            }
        });
    }

    /// <summary>
    /// <c>acc += (w * scale) * (q - zp)</c> in one pass: bytes are widened to floats in registers, so no
    /// dequantized copy of the tensor (not even a chunk of it) is written to memory.
    /// </summary>
    private static void AddQuantized(ReadOnlySpan<byte> q, Quantization p, float w, Span<float> acc)
    {
        float factor = w * p.Scale;
        float zp = p.ZeroPoint;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var zpv = new Vector<float>(zp);
            var fv = new Vector<float>(factor);
            int f = Vector<float>.Count;
            for (; i <= q.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(q[i..]), out Vector<ushort> lo, out Vector<ushort> hi);
                Vector.Widen(lo, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(hi, out Vector<uint> c, out Vector<uint> d);
                AddLane(Vector.ConvertToSingle(a), zpv, fv, acc[i..]);
                AddLane(Vector.ConvertToSingle(b), zpv, fv, acc[(i + f)..]);
                AddLane(Vector.ConvertToSingle(c), zpv, fv, acc[(i + (2 * f))..]);
                AddLane(Vector.ConvertToSingle(d), zpv, fv, acc[(i + (3 * f))..]);
            }
        }

        for (; i < q.Length; i++)
        {
            acc[i] += factor * (q[i] - zp);
        }
    }

    private static void AddReference(NamedTensor reference, float factor, Span<float> mean)
    {
        if (reference.DType == TensorDType.QUInt8)
        {
            AddQuantized(reference.Data.Span, reference.Quantization!.Value, factor, mean);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(reference.AsFloat32(), factor, mean, mean);
        }
    }

    private static void AddLane(Vector<float> x, Vector<float> zp, Vector<float> factor, Span<float> acc) =>
        (new Vector<float>(acc) + ((x - zp) * factor)).CopyTo(acc);

    private static void AddInt64(ReadOnlySpan<long> x, double w, Span<double> acc)
    {
        for (int k = 0; k < x.Length; k++)
        {
            acc[k] += w * x[k];
        }
    }
}
