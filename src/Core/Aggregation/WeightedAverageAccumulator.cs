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
    private readonly bool[] zeroed; // per float tensor: its sums count as zeros (cleared lazily: the first fold writes them)
    private readonly int maxThreads = Environment.ProcessorCount;
    private double referenceWeight; // weight owed to Layout's values by scaled adds

    /// <summary>Creates an accumulator for models with the names, shapes and logical dtypes of <paramref name="layout"/>.</summary>
    public WeightedAverageAccumulator(ModelState layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        int n = layout.Tensors.Count;
        floatSums = new float[n][];
        intSums = new double[n][];
        zeroed = new bool[n];
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
        CheckWeight(weight);
        if (!(deltaScale > 0 && deltaScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(deltaScale), deltaScale, "the delta scale must be in (0, 1]");
        }

        CheckLayout(update);
        float factor = (float)(weight * deltaScale);
        Fold(new ReadOnlySpan<ModelState>(ref update), new ReadOnlySpan<double>(ref weight), new ReadOnlySpan<float>(ref factor));
        Count++;
        TotalWeight += weight;
        referenceWeight += weight * (1 - deltaScale);
    }

    /// <summary>
    /// Folds several updates in at once, each with its weight; the same sums as adding them one by one in
    /// order (bitwise), but the sums are read and written once per group of up to 8 updates instead of once
    /// per update. Nothing is kept after the call returns: the updates are lent for the call only. Everything
    /// is checked before the sums are touched, so a throwing call changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Add(ModelState, double)"/>, for any of the updates.</exception>
    public void AddRange(IReadOnlyList<(ModelState Update, double Weight)> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        foreach ((ModelState update, double weight) in updates)
        {
            ArgumentNullException.ThrowIfNull(update, nameof(updates));
            CheckWeight(weight);
            CheckLayout(update);
        }

        var group = new ModelState[Math.Min(GroupFold.MaxGroup, updates.Count)];
        Span<double> weights = stackalloc double[GroupFold.MaxGroup];
        Span<float> factors = stackalloc float[GroupFold.MaxGroup];
        for (int start = 0; start < updates.Count; start += GroupFold.MaxGroup)
        {
            int n = Math.Min(GroupFold.MaxGroup, updates.Count - start);
            for (int g = 0; g < n; g++)
            {
                (group[g], weights[g]) = updates[start + g];
                factors[g] = (float)weights[g];
            }

            Fold(group.AsSpan(0, n), weights[..n], factors[..n]);
            foreach (double w in weights[..n])
            {
                Count++;
                TotalWeight += w;
            }
        }
    }

    /// <summary>How many cores a large tensor is split over (default: all of them); 1 sums on the calling thread.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int MaxThreads
    {
        get => maxThreads;
        init => maxThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxThreads), value, "MaxThreads must be at least 1");
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
                if (zeroed[i])
                {
                    Array.Clear(sums);
                    zeroed[i] = false;
                }

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

        // The float sums are not cleared here: the next fold writes them without reading them.
        Array.Fill(zeroed, true);

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

    /// <summary>The shortest slice a core gets (<see cref="GroupFold.MinSliceElements"/>).</summary>
    internal const int MinSliceElements = GroupFold.MinSliceElements;

    private static void CheckWeight(double weight)
    {
        if (!double.IsFinite(weight) || weight <= 0 || weight > float.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "weight must be positive and finite in float32");
        }
    }

    /// <summary>
    /// Folds a checked group into the sums: float tensors in one pass per tensor (<see cref="GroupFold"/>,
    /// q8 dequantized in registers by <see cref="DequantizeAdd"/>), int64 tensors in double with the unscaled weights.
    /// </summary>
    private void Fold(ReadOnlySpan<ModelState> group, ReadOnlySpan<double> weights, ReadOnlySpan<float> factors)
    {
        FoldTermGroup storage = default;
        Span<FoldTerm> terms = storage[..group.Length];
        for (int i = 0; i < floatSums.Length; i++)
        {
            if (floatSums[i] is { } sums)
            {
                for (int g = 0; g < group.Length; g++)
                {
                    NamedTensor t = group[g].Tensors[i];
                    terms[g] = t.Quantization is { } q
                        ? new FoldTerm(t.Data, Quantized: true, factors[g] * q.Scale, q.ZeroPoint)
                        : new FoldTerm(t.Data, Quantized: false, factors[g], 0);
                }

                GroupFold.Run(terms, sums, maxThreads, fresh: zeroed[i]);
                zeroed[i] = false;
            }
            else
            {
                for (int g = 0; g < group.Length; g++)
                {
                    AddInt64(group[g].Tensors[i].AsInt64(), weights[g], intSums[i]!);
                }
            }
        }
    }

    private static void AddReference(NamedTensor reference, float factor, Span<float> mean)
    {
        if (reference.DType == TensorDType.QUInt8)
        {
            Quantization q = reference.Quantization!.Value;
            DequantizeAdd.Run(reference.Data.Span, factor * q.Scale, q.ZeroPoint, mean);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(reference.AsFloat32(), factor, mean, mean);
        }
    }

    private static void AddInt64(ReadOnlySpan<long> x, double w, Span<double> acc)
    {
        for (int k = 0; k < x.Length; k++)
        {
            acc[k] += w * x[k];
        }
    }
}
