namespace EdgeFL.Training.Data;

/// <summary>Splits a labelled data set across clients with Dirichlet label skew (the usual non-IID benchmark split).</summary>
/// <remarks>
/// For each class, the class's samples are shuffled and cut among the clients in proportions drawn
/// from Dirichlet(alpha): small alpha (0.1-0.5) gives each client a few dominant classes, large alpha
/// approaches an IID split. When a client ends up with fewer than the minimum number of samples the
/// whole split is drawn again (up to <see cref="MaxAttempts"/> times, from the same seeded stream);
/// if that still fails, samples are moved one at a time from the largest client to the smallest until
/// every client has the minimum. The result depends only on the labels and the arguments.
/// </remarks>
public static class DirichletPartitioner
{
    /// <summary>How many times the split is redrawn before rebalancing.</summary>
    public const int MaxAttempts = 100;

    /// <summary>
    /// Index lists, one per client, ascending; every index of <paramref name="labels"/> appears in exactly one list.
    /// </summary>
    public static int[][] Partition(ReadOnlySpan<byte> labels, int clients, double alpha, int seed, int minSamplesPerClient = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clients);
        ArgumentOutOfRangeException.ThrowIfNegative(minSamplesPerClient);
        if (!(alpha > 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be positive and finite");
        }

        if ((long)clients * minSamplesPerClient > labels.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} samples cannot give {clients} clients {minSamplesPerClient} samples each", nameof(minSamplesPerClient));
        }

        int[][] byClass = GroupByClass(labels);
        var random = new Random(seed);
        var proportions = new double[clients];
        List<int>[] parts = [];
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            parts = Draw(byClass, clients, alpha, random, proportions);
            if (parts.Min(p => p.Count) >= minSamplesPerClient)
            {
                return Finish(parts);
            }
        }

        Rebalance(parts, minSamplesPerClient);
        return Finish(parts);
    }

    private static int[][] GroupByClass(ReadOnlySpan<byte> labels)
    {
        var counts = new int[256];
        foreach (byte label in labels)
        {
            counts[label]++;
        }

        var groups = new List<int>[256];
        for (int c = 0; c < groups.Length; c++)
        {
            groups[c] = new List<int>(counts[c]);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            groups[labels[i]].Add(i);
        }

        return groups.Where(g => g.Count > 0).Select(g => g.ToArray()).ToArray();
    }

    private static List<int>[] Draw(int[][] byClass, int clients, double alpha, Random random, double[] proportions)
    {
        var parts = new List<int>[clients];
        for (int c = 0; c < clients; c++)
        {
            parts[c] = [];
        }

        foreach (int[] members in byClass)
        {
            int[] shuffled = (int[])members.Clone();
            random.Shuffle(shuffled);
            GammaSampler.NextDirichlet(random, alpha, proportions);
            double cumulative = 0;
            int start = 0;
            for (int c = 0; c < clients; c++)
            {
                cumulative += proportions[c];
                int end = c == clients - 1 ? shuffled.Length : Math.Min(shuffled.Length, (int)Math.Round(cumulative * shuffled.Length));
                if (end > start)
                {
                    parts[c].AddRange(shuffled.AsSpan(start, end - start));
                    start = end;
                }
            }
        }

        return parts;
    }

    private static void Rebalance(List<int>[] parts, int minSamplesPerClient)
    {
        while (true)
        {
            int smallest = 0;
            int largest = 0;
            for (int c = 1; c < parts.Length; c++)
            {
                if (parts[c].Count < parts[smallest].Count)
                {
                    smallest = c;
                }

                if (parts[c].Count > parts[largest].Count)
                {
                    largest = c;
                }
            }

            if (parts[smallest].Count >= minSamplesPerClient)
            {
                return;
            }

            // The largest client's tail is a random sample of its last class (each class was shuffled).
            List<int> donor = parts[largest];
            parts[smallest].Add(donor[^1]);
            donor.RemoveAt(donor.Count - 1);
        }
    }

    private static int[][] Finish(List<int>[] parts) =>
        parts.Select(p =>
        {
            int[] indices = p.ToArray();
            Array.Sort(indices);
            return indices;
        }).ToArray();
}
