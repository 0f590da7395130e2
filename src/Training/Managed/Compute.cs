namespace EdgeFL.Training.Managed;

/// <summary>How a managed network spreads one step's work: the thread count and the matrix products that use it.</summary>
internal sealed class Compute
{
    // Below this many multiply-adds a product runs on the calling thread: handing it out costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

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
            Parallel.For(0, (m + chunk - 1) / chunk, parallel, t =>
                ManagedGemm.MultiplyNN(a, b, c, m, n, k, t * chunk, Math.Min(m, (t + 1) * chunk)));
            return;
        }

        ManagedGemm.MultiplyNN(a, b, c, m, n, k, 0, m);
    }

    /// <summary>C = A^T x B for A k x m, B k x n (row-major).</summary>
    public void MultiplyTN(float[] a, float[] b, float[] c, int m, int n, int k)
    {
        if (Split(m, (long)m * n * k, out int chunk))
        {
            Parallel.For(0, (m + chunk - 1) / chunk, parallel, t =>
                ManagedGemm.MultiplyTN(a, b, c, m, n, k, t * chunk, Math.Min(m, (t + 1) * chunk)));
            return;
        }

        ManagedGemm.MultiplyTN(a, b, c, m, n, k, 0, m);
    }

    /// <summary>Runs <paramref name="body"/>(start, end, worker) over [0, <paramref name="count"/>) in at most <see cref="Threads"/> pieces.</summary>
    public void For(int count, long work, Action<int, int, int> body)
    {
        int pieces = Pieces(count, work);
        if (pieces <= 1)
        {
            body(0, count, 0);
            return;
        }

        int chunk = (count + pieces - 1) / pieces;
        Parallel.For(0, pieces, parallel, t => body(t * chunk, Math.Min(count, (t + 1) * chunk), t));
    }

    /// <summary>How many pieces <see cref="For"/> cuts <paramref name="count"/> items into (1 when the work is too small to share).</summary>
    public int Pieces(int count, long work) =>
        Threads == 1 || work < ParallelThreshold || count < 2 ? 1 : Math.Min(Threads, count);

    private bool Split(int rows, long work, out int chunk)
    {
        int pieces = Pieces(rows / 4, work);
        chunk = pieces <= 1 ? rows : (((rows + pieces - 1) / pieces) + 3) & ~3; // multiples of the kernel's four rows
        return pieces > 1;
    }
}
