using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// Up to a fixed number of a round's updates, copied out as float (f32 and dequantized q8) and double
/// (i64) arrays, for the coordinate-wise statistics that cannot stream. Memory is O(capacity x model);
/// the arrays are kept across rounds with the same layout.
/// </summary>
internal sealed class RetainedUpdates
{
    private readonly List<Slot> _slots = [];
    private ModelState? _layout;

    public RetainedUpdates(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public double TotalWeight { get; private set; }

    public ModelState Layout => _layout ?? throw new InvalidOperationException("BeginRound has not been called");

    public void Begin(ModelState layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (_layout is null || !_layout.HasSameLayout(layout))
        {
            _slots.Clear(); // a new shape: the old arrays are of no use
        }

        _layout = layout;
        Count = 0;
        TotalWeight = 0;
    }

    /// <summary>
    /// Copies <c>Layout + deltaScale x (update - Layout)</c> in (float tensors scaled in the copy; int64 as they are).
    /// A copy, never a reference: the update's tensors may borrow a receive buffer that is reused once this returns.
    /// </summary>
    public void Add(ModelState update, double weight, double deltaScale)
    {
        ArgumentNullException.ThrowIfNull(update);
        ModelState layout = Layout;
        if (!double.IsFinite(weight) || weight <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "weight must be positive and finite");
        }

        if (!(deltaScale > 0 && deltaScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(deltaScale), deltaScale, "the delta scale must be in (0, 1]");
        }

        if (!update.HasSameLayout(layout))
        {
            throw new ArgumentException("the update's tensors differ from the model's in name, shape or dtype", nameof(update));
        }

        foreach (NamedTensor t in update.Tensors)
        {
            if (t.Quantization is { } q && (!float.IsFinite(q.Scale) || q.Scale <= 0 || q.ZeroPoint is < 0 or > 255))
            {
                throw new ArgumentException($"update tensor '{t.Name}' has invalid quantization (scale {q.Scale}, zp {q.ZeroPoint})", nameof(update));
            }
        }

        if (Count == Capacity)
        {
            throw new InvalidOperationException($"the round already holds {Capacity} updates, the most this strategy keeps (its memory is O(updates x model))");
        }

        if (_slots.Count == Count)
        {
            _slots.Add(new Slot(layout));
        }

        _slots[Count].CopyFrom(update);
        if (deltaScale < 1)
        {
            _slots[Count].ScaleTowards(layout, (float)deltaScale);
        }

        Count++;
        TotalWeight += weight;
    }

    /// <summary>
    /// Applies <paramref name="reduce"/> to each coordinate's <see cref="Count"/> values (in a scratch span
    /// it may reorder) and returns the model of the results: float32 for float tensors, int64 (rounded to
    /// nearest, ties to even) for i64 ones.
    /// </summary>
    public ModelState Reduce(Func<Span<double>, double> reduce)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("no update was added; there is nothing to aggregate");
        }

        ModelState layout = Layout;
        var result = new NamedTensor[layout.Tensors.Count];
        Span<double> values = Count <= 256 ? stackalloc double[Count] : new double[Count];
        for (int i = 0; i < result.Length; i++)
        {
            NamedTensor l = layout.Tensors[i];
            int[] shape = (int[])l.Shape.Clone();
            if (l.DType.Logical() == TensorDType.Float32)
            {
                var output = new float[l.ElementCount];
                for (int j = 0; j < output.Length; j++)
                {
                    for (int k = 0; k < Count; k++)
                    {
                        values[k] = _slots[k].Floats[i]![j];
                    }

                    output[j] = (float)reduce(values);
                }

                result[i] = NamedTensor.FromFloat32(l.Name, shape, output);
            }
            else
            {
                var output = new long[l.ElementCount];
                for (int j = 0; j < output.Length; j++)
                {
                    for (int k = 0; k < Count; k++)
                    {
                        values[k] = _slots[k].Doubles[i]![j];
                    }

                    output[j] = (long)Math.Round(reduce(values), MidpointRounding.ToEven);
                }

                result[i] = NamedTensor.FromInt64(l.Name, shape, output);
            }
        }

        return new ModelState(result);
    }

    private sealed class Slot
    {
        public Slot(ModelState layout)
        {
            int n = layout.Tensors.Count;
            Floats = new float[n][];
            Doubles = new double[n][];
            for (int i = 0; i < n; i++)
            {
                NamedTensor t = layout.Tensors[i];
                int count = checked((int)t.ElementCount);
                if (t.DType.Logical() == TensorDType.Float32)
                {
                    Floats[i] = new float[count];
                }
                else
                {
                    Doubles[i] = new double[count];
                }
            }
        }

        public float[]?[] Floats { get; }

        public double[]?[] Doubles { get; }

        public void ScaleTowards(ModelState reference, float scale)
        {
            for (int i = 0; i < Floats.Length; i++)
            {
                if (Floats[i] is { } values)
                {
                    FloatChunks.ScaleTowards(values, reference.Tensors[i], scale);
                }
            }
        }

        public void CopyFrom(ModelState update)
        {
            for (int i = 0; i < update.Tensors.Count; i++)
            {
                NamedTensor t = update.Tensors[i];
                switch (t.DType)
                {
                    case TensorDType.Float32:
                        t.AsFloat32().CopyTo(Floats[i]);
                        break;
                    case TensorDType.QUInt8:
                        FloatChunks.Dequantize(t.Data.Span, t.Quantization!.Value, Floats[i]);
                        break;
                    case TensorDType.Int64:
                        ReadOnlySpan<long> src = t.AsInt64();
                        double[] dst = Doubles[i]!;
                        for (int k = 0; k < src.Length; k++)
                        {
                            dst[k] = src[k];
                        }

                        break;
                }
            }
        }
    }
}
