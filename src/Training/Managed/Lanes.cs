using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeFL.Training.Managed;

/// <summary>
/// Elementwise kernels over one row of channels (8 to 64 floats here), inlined at the call site: for rows this short
/// a library call's fixed cost is most of the work.
/// </summary>
internal static class Lanes
{
    /// <summary>acc += x * y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> acc)
    {
        int n = acc.Length;
        if (x.Length < n || y.Length < n)
        {
            throw new ArgumentException("the rows differ in length");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float ra = ref MemoryMarshal.GetReference(acc);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref rx, (nuint)i), Vector.LoadUnsafe(ref ry, (nuint)i), Vector.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref ra, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ra, i) += Unsafe.Add(ref rx, i) * Unsafe.Add(ref ry, i);
        }
    }

    /// <summary>acc += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ReadOnlySpan<float> x, Span<float> acc)
    {
        int n = acc.Length;
        if (x.Length < n)
        {
            throw new ArgumentException("the rows differ in length");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ra = ref MemoryMarshal.GetReference(acc);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref rx, (nuint)i) + Vector.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref ra, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ra, i) += Unsafe.Add(ref rx, i);
        }
    }

    /// <summary>output = x * scale + shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Affine(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> output)
    {
        int n = output.Length;
        if (x.Length < n || scale.Length < n || shift.Length < n)
        {
            throw new ArgumentException("the rows differ in length");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rs = ref MemoryMarshal.GetReference(scale);
        ref float rh = ref MemoryMarshal.GetReference(shift);
        ref float ro = ref MemoryMarshal.GetReference(output);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref rx, (nuint)i), Vector.LoadUnsafe(ref rs, (nuint)i), Vector.LoadUnsafe(ref rh, (nuint)i)).StoreUnsafe(ref ro, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ro, i) = (Unsafe.Add(ref rx, i) * Unsafe.Add(ref rs, i)) + Unsafe.Add(ref rh, i);
        }
    }

    /// <summary>output = (x - centre) * scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubtractMultiply(ReadOnlySpan<float> x, ReadOnlySpan<float> centre, ReadOnlySpan<float> scale, Span<float> output)
    {
        int n = output.Length;
        if (x.Length < n || centre.Length < n || scale.Length < n)
        {
            throw new ArgumentException("the rows differ in length");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rc = ref MemoryMarshal.GetReference(centre);
        ref float rs = ref MemoryMarshal.GetReference(scale);
        ref float ro = ref MemoryMarshal.GetReference(output);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            ((Vector.LoadUnsafe(ref rx, (nuint)i) - Vector.LoadUnsafe(ref rc, (nuint)i)) * Vector.LoadUnsafe(ref rs, (nuint)i)).StoreUnsafe(ref ro, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ro, i) = (Unsafe.Add(ref rx, i) - Unsafe.Add(ref rc, i)) * Unsafe.Add(ref rs, i);
        }
    }

    /// <summary>output = max(x, 0).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> output)
    {
        int n = output.Length;
        if (x.Length < n)
        {
            throw new ArgumentException("the rows differ in length");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ro = ref MemoryMarshal.GetReference(output);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector.Max(Vector.LoadUnsafe(ref rx, (nuint)i), Vector<float>.Zero).StoreUnsafe(ref ro, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ro, i) = Math.Max(Unsafe.Add(ref rx, i), 0f);
        }
    }

    /// <summary>output = x > 0 ? g : 0 (ReLU's backward, given its input x).</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> output)
    {
        int n = output.Length;
        if (x.Length < n || g.Length < n)
        {
            throw new ArgumentException("the rows differ in length");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ro = ref MemoryMarshal.GetReference(output);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<int> positive = Vector.GreaterThan(Vector.LoadUnsafe(ref rx, (nuint)i), Vector<float>.Zero);
            Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref rg, (nuint)i), Vector<float>.Zero).StoreUnsafe(ref ro, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ro, i) = Unsafe.Add(ref rx, i) > 0 ? Unsafe.Add(ref rg, i) : 0f;
        }
    }
}
