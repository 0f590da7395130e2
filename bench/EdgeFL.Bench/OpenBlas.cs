using System.Runtime.InteropServices;

namespace EdgeFL.Bench;

/// <summary>
/// Debian's OpenBLAS (package libopenblas0) through its C API, the native baseline for the managed matrix products.
/// Absent library: <see cref="IsAvailable"/> is false and the figure says so.
/// </summary>
internal static partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    public static bool IsAvailable { get; } = NativeLibrary.TryLoad(Library, out _);

    /// <summary>C (m x n) = op(A) x B, row-major; op(A) is A (m x k) or, with <paramref name="transposeA"/>, the transpose of A (k x m).</summary>
    public static void Multiply(float[] a, float[] b, float[] c, int m, int n, int k, bool transposeA) =>
        Sgemm(RowMajor, transposeA ? Trans : NoTrans, NoTrans, m, n, k, 1f, a, transposeA ? m : k, b, n, 0f, c, n);

    public static void SetThreads(int threads) => SetNumThreads(threads);

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    private static partial void Sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc);

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    private static partial void SetNumThreads(int threads);
}
