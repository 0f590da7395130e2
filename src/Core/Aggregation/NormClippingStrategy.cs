using System.Numerics.Tensors;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Wraps another strategy: each update's change from the round's model is clipped to an L2 norm of at
/// most <see cref="MaxNorm"/> before the inner strategy sees it (with <see cref="FedAvgStrategy"/> inside,
/// norm-clipped FedAvg). Bounds how far one device can pull the model in a round.
/// </summary>
/// <remarks>
/// The norm is taken over all float tensors of the model together (f32, and q8 dequantized); int64
/// tensors are passed through unclipped. Memory is the inner strategy's plus two models' worth of floats
/// (the round's model and one scratch update), so a streaming inner strategy stays O(model). An update
/// within the bound reaches the inner strategy untouched; a clipped one is a float32 model in scratch
/// memory that is reused for the next update: inner strategies must not keep an update's memory after
/// <see cref="Add"/> returns (none of EdgeFL's do; decoded updates borrow their payload anyway).
/// </remarks>
public sealed class NormClippingStrategy : IAggregationStrategy
{
    private readonly IAggregationStrategy _inner;
    private ModelState? _layout;
    private float[]?[] _current = [];
    private byte[]?[] _scratch = []; // float32 bytes, so a clipped tensor can borrow them without a copy

    /// <summary>Clips every update's delta to <paramref name="maxNorm"/> (finite, positive) and passes it to <paramref name="inner"/>.</summary>
    public NormClippingStrategy(IAggregationStrategy inner, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!double.IsFinite(maxNorm) || maxNorm <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the clipping norm must be positive and finite");
        }

        _inner = inner;
        MaxNorm = maxNorm;
    }

    /// <summary>The largest L2 norm an update's delta keeps.</summary>
    public double MaxNorm { get; }

    /// <summary>Updates clipped since <see cref="BeginRound"/>.</summary>
    public int ClippedCount { get; private set; }

    /// <inheritdoc/>
    public int Count => _inner.Count;

    /// <inheritdoc/>
    public double TotalWeight => _inner.TotalWeight;

    /// <summary>Starts a round whose reference model is <paramref name="layout"/> (its values are copied: deltas are taken from them).</summary>
    public void BeginRound(ModelState layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (_layout is null || !_layout.HasSameLayout(layout))
        {
            _current = new float[layout.Tensors.Count][];
            _scratch = new byte[layout.Tensors.Count][];
            for (int i = 0; i < layout.Tensors.Count; i++)
            {
                NamedTensor t = layout.Tensors[i];
                if (t.DType.Logical() == TensorDType.Float32)
                {
                    _current[i] = new float[t.ElementCount];
                    _scratch[i] = new byte[t.ElementCount * sizeof(float)];
                }
            }
        }

        for (int i = 0; i < layout.Tensors.Count; i++)
        {
            NamedTensor t = layout.Tensors[i];
            if (t.DType == TensorDType.Float32)
            {
                t.AsFloat32().CopyTo(_current[i]);
            }
            else if (t.DType == TensorDType.QUInt8)
            {
                RetainedUpdates.Dequantize(t.Data.Span, t.Quantization!.Value, _current[i]);
            }
        }

        _layout = layout;
        ClippedCount = 0;
        _inner.BeginRound(layout);
    }

    /// <inheritdoc/>
    public void Add(ModelState update, double weight)
    {
        ArgumentNullException.ThrowIfNull(update);
        ModelState layout = _layout ?? throw new InvalidOperationException("BeginRound has not been called");
        if (!update.HasSameLayout(layout))
        {
            throw new ArgumentException("the update's tensors differ from the model's in name, shape or dtype", nameof(update));
        }

        // The delta's squared norm; q8 tensors are dequantized into scratch on the way.
        double squared = 0;
        for (int i = 0; i < update.Tensors.Count; i++)
        {
            NamedTensor t = update.Tensors[i];
            if (t.DType == TensorDType.Float32)
            {
                squared += SquaredDistance(t.AsFloat32(), _current[i]);
            }
            else if (t.DType == TensorDType.QUInt8)
            {
                Quantization q = t.Quantization!.Value;
                if (!float.IsFinite(q.Scale) || q.Scale <= 0 || q.ZeroPoint is < 0 or > 255)
                {
                    throw new ArgumentException($"update tensor '{t.Name}' has invalid quantization (scale {q.Scale}, zp {q.ZeroPoint})", nameof(update));
                }

                RetainedUpdates.Dequantize(t.Data.Span, q, Scratch(i));
                squared += SquaredDistance(Scratch(i), _current[i]);
            }
        }

        double norm = Math.Sqrt(squared);
        if (!double.IsFinite(norm))
        {
            throw new ArgumentException("the update's delta has no finite norm (NaN or infinity in the update)", nameof(update));
        }

        if (norm <= MaxNorm)
        {
            _inner.Add(update, weight);
            return;
        }

        // current + factor * (update - current), in scratch.
        float factor = (float)(MaxNorm / norm);
        var clipped = new NamedTensor[update.Tensors.Count];
        for (int i = 0; i < clipped.Length; i++)
        {
            NamedTensor t = update.Tensors[i];
            if (t.DType.Logical() != TensorDType.Float32)
            {
                clipped[i] = t;
                continue;
            }

            Span<float> s = Scratch(i);
            ReadOnlySpan<float> source = t.DType == TensorDType.Float32 ? t.AsFloat32() : s;
            TensorPrimitives.Subtract(source, _current[i], s);
            TensorPrimitives.MultiplyAdd(s, factor, _current[i], s);
            clipped[i] = new NamedTensor(t.Name, t.Shape, TensorDType.Float32, _scratch[i]);
        }

        _inner.Add(new ModelState(clipped), weight);
        ClippedCount++;
    }

    /// <inheritdoc/>
    public ModelState Complete() => _inner.Complete();

    private static double SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.IsEmpty)
        {
            return 0; // TensorPrimitives.Distance refuses empty spans; a zero-sized tensor adds nothing
        }

        double d = TensorPrimitives.Distance(x, y);
        return d * d;
    }

    private Span<float> Scratch(int i) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_scratch[i].AsSpan());
}
