using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeFL.Training.Managed;

/// <summary>
/// Single-precision matrix products in managed code (<see cref="Vector{T}"/>: AVX2 on x64, NEON on arm), register-blocked
/// four rows by two vectors. C (row-major, m x n) = A x B where B is row-major k x n and A is read through strides, so
/// one kernel serves A x B (<c>rowStride = k, colStride = 1</c>) and A^T x B (<c>rowStride = 1, colStride = m</c>).
/// </summary>
internal static class ManagedGemm
{
    /// <summary>C = A x B for A m x k, B k x n (all row-major), rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of C only.</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, int rowStart, int rowEnd) =>
        Multiply(a, k, 1, b, c, m, n, k, rowStart, rowEnd);

    /// <summary>C = A^T x B for A k x m, B k x n (all row-major), rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of C only.</summary>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, int rowStart, int rowEnd) =>
        Multiply(a, 1, m, b, c, m, n, k, rowStart, rowEnd);

    /// <summary>Writes the transpose of <paramref name="source"/> (rows x cols, row-major) into <paramref name="target"/> (cols x rows).</summary>
    public static void Transpose(ReadOnlySpan<float> source, Span<float> target, int rows, int cols)
    {
        if (source.Length < rows * cols || target.Length < rows * cols)
        {
            throw new ArgumentException("the buffers are smaller than the matrix");
        }

        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = source.Slice(r * cols, cols);
            for (int col = 0; col < row.Length; col++)
            {
                target[(col * rows) + r] = row[col];
            }
        }
    }

    // Fully optimised from the first call: a device's first training round should not run tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply(ReadOnlySpan<float> a, int rs, int cs, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, int rowStart, int rowEnd)
    {
        // Bounds are checked once here; the loops below index through refs.
        if (m < 0 || n < 0 || k < 0 || rowStart < 0 || rowEnd > m || rowStart > rowEnd
            || b.Length < (long)k * n || c.Length < (long)m * n
            || (m > 0 && k > 0 && a.Length < 1L + ((long)(m - 1) * rs) + ((long)(k - 1) * cs)))
        {
            throw new ArgumentException($"matrix product {m}x{k} by {k}x{n}: a buffer is too small or a range is invalid");
        }

        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(c);
        int w = Vector<float>.Count;
        int vectorEnd = n - (n % w);
        int i = rowStart;
        for (; i + 4 <= rowEnd; i += 4)
        {
            nint a0 = (nint)i * rs;
            nint a1 = a0 + rs;
            nint a2 = a1 + rs;
            nint a3 = a2 + rs;
            int j = 0;
            for (; j + (2 * w) <= vectorEnd; j += 2 * w)
            {
                Block4x2(ref ra, a0, a1, a2, a3, cs, ref rb, n, k, j, ref rc, i, w);
            }

            for (; j < vectorEnd; j += w)
            {
                Block4x1(ref ra, a0, a1, a2, a3, cs, ref rb, n, k, j, ref rc, i);
            }

            for (; j < n; j++)
            {
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int p = 0; p < k; p++)
                {
                    float bv = Unsafe.Add(ref rb, ((nint)p * n) + j);
                    nint off = (nint)p * cs;
                    s0 += Unsafe.Add(ref ra, a0 + off) * bv;
                    s1 += Unsafe.Add(ref ra, a1 + off) * bv;
                    s2 += Unsafe.Add(ref ra, a2 + off) * bv;
                    s3 += Unsafe.Add(ref ra, a3 + off) * bv;
                }

                Unsafe.Add(ref rc, ((nint)i * n) + j) = s0;
                Unsafe.Add(ref rc, ((nint)(i + 1) * n) + j) = s1;
                Unsafe.Add(ref rc, ((nint)(i + 2) * n) + j) = s2;
                Unsafe.Add(ref rc, ((nint)(i + 3) * n) + j) = s3;
            }
        }

        for (; i < rowEnd; i++)
        {
            nint a0 = (nint)i * rs;
            int j = 0;
            for (; j < vectorEnd; j += w)
            {
                Vector<float> acc = Vector<float>.Zero;
                for (int p = 0; p < k; p++)
                {
                    var bv = Vector.LoadUnsafe(ref rb, (nuint)(((nint)p * n) + j));
                    acc = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref ra, a0 + ((nint)p * cs))), bv, acc);
                }

                acc.StoreUnsafe(ref rc, (nuint)(((nint)i * n) + j));
            }

            for (; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                {
                    s += Unsafe.Add(ref ra, a0 + ((nint)p * cs)) * Unsafe.Add(ref rb, ((nint)p * n) + j);
                }

                Unsafe.Add(ref rc, ((nint)i * n) + j) = s;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x2(ref float ra, nint a0, nint a1, nint a2, nint a3, int cs, ref float rb, int n, int k, int j, ref float rc, int i, int w)
    {
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < k; p++)
        {
            nint bo = ((nint)p * n) + j;
            var b0 = Vector.LoadUnsafe(ref rb, (nuint)bo);
            var b1 = Vector.LoadUnsafe(ref rb, (nuint)(bo + w));
            nint off = (nint)p * cs;
            var x0 = new Vector<float>(Unsafe.Add(ref ra, a0 + off));
            var x1 = new Vector<float>(Unsafe.Add(ref ra, a1 + off));
            var x2 = new Vector<float>(Unsafe.Add(ref ra, a2 + off));
            var x3 = new Vector<float>(Unsafe.Add(ref ra, a3 + off));
            c00 = Vector.MultiplyAddEstimate(x0, b0, c00);
            c01 = Vector.MultiplyAddEstimate(x0, b1, c01);
            c10 = Vector.MultiplyAddEstimate(x1, b0, c10);
            c11 = Vector.MultiplyAddEstimate(x1, b1, c11);
            c20 = Vector.MultiplyAddEstimate(x2, b0, c20);
            c21 = Vector.MultiplyAddEstimate(x2, b1, c21);
            c30 = Vector.MultiplyAddEstimate(x3, b0, c30);
            c31 = Vector.MultiplyAddEstimate(x3, b1, c31);
        }

        nint co = ((nint)i * n) + j;
        c00.StoreUnsafe(ref rc, (nuint)co);
        c01.StoreUnsafe(ref rc, (nuint)(co + w));
        co += n;
        c10.StoreUnsafe(ref rc, (nuint)co);
        c11.StoreUnsafe(ref rc, (nuint)(co + w));
        co += n;
        c20.StoreUnsafe(ref rc, (nuint)co);
        c21.StoreUnsafe(ref rc, (nuint)(co + w));
        co += n;
        c30.StoreUnsafe(ref rc, (nuint)co);
        c31.StoreUnsafe(ref rc, (nuint)(co + w));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x1(ref float ra, nint a0, nint a1, nint a2, nint a3, int cs, ref float rb, int n, int k, int j, ref float rc, int i)
    {
        Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < k; p++)
        {
            var b0 = Vector.LoadUnsafe(ref rb, (nuint)(((nint)p * n) + j));
            nint off = (nint)p * cs;
            c0 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref ra, a0 + off)), b0, c0);
            c1 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref ra, a1 + off)), b0, c1);
            c2 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref ra, a2 + off)), b0, c2);
            c3 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref ra, a3 + off)), b0, c3);
        }

        nint co = ((nint)i * n) + j;
        c0.StoreUnsafe(ref rc, (nuint)co);
        c1.StoreUnsafe(ref rc, (nuint)(co + n));
        c2.StoreUnsafe(ref rc, (nuint)(co + (2 * n)));
        c3.StoreUnsafe(ref rc, (nuint)(co + (3 * n)));
    }
}
