namespace EdgeFL.Training.Managed;

/// <summary>How a managed network spreads one step's work: the thread count and the matrix products that use it.</summary>
internal sealed class Compute
{
    // Below this many multiply-adds a product runs on the calling thread: handing it out costs more than it saves.
    private const long ParallelThreshold = 1 << 19;

    private readonly ParallelOptions parallel;

    public Compute(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        Threads = threads;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    /// <summary>Threads used inside one step.</summary>
    public int Threads { get; }

    /// <summary>C = A x B for A m x k, B k x n (row-major).</summary>
    public void MultiplyNN(float[] a, float[] b, float[] c, int m, int n, int k)
    {
        if (Split(m, (long)m * n * k, out int chunk))
        {
            MultiplyParallel(a, b, c, m, n, k, chunk, transposeA: false);
            return;
        }

        ManagedGemm.MultiplyNN(a, b, c, m, n, k, 0, m);
    }

    /// <summary>C = A^T x B for A k x m, B k x n (row-major).</summary>
    public void MultiplyTN(float[] a, float[] b, float[] c, int m, int n, int k)
    {
        if (Split(m, (long)m * n * k, out int chunk))
        {
            MultiplyParallel(a, b, c, m, n, k, chunk, transposeA: true);
            return;
        }

        ManagedGemm.MultiplyTN(a, b, c, m, n, k, 0, m);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end, worker) over [0, <paramref name="count"/>) in <paramref name="pieces"/>
    /// pieces (from <see cref="Pieces"/>). Callers run the single-piece case themselves, so it allocates no delegate.
    /// </summary>
    public void For(int count, int pieces, Action<int, int, int> body)
    {
        int chunk = (count + pieces - 1) / pieces;
        Parallel.For(0, pieces, parallel, t => body(t * chunk, Math.Min(count, (t + 1) * chunk), t));
    }

    /// <summary>How many pieces <see cref="For"/> cuts <paramref name="count"/> items into (1 when the work is too small to share).</summary>
    public int Pieces(int count, long work) =>
        Threads == 1 || work < ParallelThreshold || count < 2 ? 1 : Math.Min(Threads, count);

    // Apart from the callers so that their single-threaded path allocates no closure.
    private void MultiplyParallel(float[] a, float[] b, float[] c, int m, int n, int k, int chunk, bool transposeA) =>
        Parallel.For(0, (m + chunk - 1) / chunk, parallel, t =>
        {
            if (transposeA)
            {
                ManagedGemm.MultiplyTN(a, b, c, m, n, k, t * chunk, Math.Min(m, (t + 1) * chunk));
            }
            else
            {
                ManagedGemm.MultiplyNN(a, b, c, m, n, k, t * chunk, Math.Min(m, (t + 1) * chunk));
            }
        });

    private bool Split(int rows, long work, out int chunk)
    {
        int pieces = Pieces(rows / 4, work);
        chunk = pieces <= 1 ? rows : (((rows + pieces - 1) / pieces) + 3) & ~3; // multiples of the kernel's four rows
        return pieces > 1;
    }
}
