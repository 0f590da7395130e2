using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Rounds;

/// <summary>
/// One aggregation round at either tier: the model its contributions are measured against, the running
/// aggregate, who answered and how. Mutated only by its <see cref="RoundBook"/>, under the book's lock.
/// </summary>
public sealed class AggregationRound
{
    internal AggregationRound(long number, ModelState reference, IAggregationStrategy strategy, long openedAt, IEnumerable<string>? selected)
    {
        Number = number;
        Reference = reference;
        Strategy = strategy;
        OpenedAt = openedAt;
        Selected = selected is null ? null : new HashSet<string>(selected, StringComparer.Ordinal);
        strategy.BeginRound(reference);
    }

    /// <summary>The round's number.</summary>
    public long Number { get; }

    /// <summary>The model the round's contributions are measured and averaged around (not changed until the round closes).</summary>
    public ModelState Reference { get; }

    /// <summary>When the round opened (or its first contribution arrived), as a <see cref="TimeProvider"/> timestamp.</summary>
    public long OpenedAt { get; }

    /// <summary>The senders asked to take part; null when every sender may.</summary>
    public IReadOnlySet<string>? Selected { get; }

    internal IAggregationStrategy Strategy { get; }

    /// <summary>True once the round was closed: nothing more is folded into it.</summary>
    internal bool Closed { get; set; }

    /// <summary>Per-round keys reserved or admitted (one contribution each).</summary>
    internal HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>The ids of the admitted contributions, in order.</summary>
    public IReadOnlyList<string> AdmittedIds => AdmittedIdList;

    internal List<string> AdmittedIdList { get; } = [];

    /// <summary>Contributions reserved or admitted (those still being checked included).</summary>
    public int Reserved => Keys.Count;

    /// <summary>Senders whose contribution for this very round was folded in: they answered it.</summary>
    public IReadOnlyCollection<string> Accepted => AcceptedSet;

    /// <summary>Senders that declined this round.</summary>
    public IReadOnlyCollection<string> Declined => DeclinedSet;

    /// <summary>Senders whose contribution for this round was refused on its content: they answered too.</summary>
    public IReadOnlyCollection<string> Refused => RefusedSet;

    internal HashSet<string> AcceptedSet { get; } = new(StringComparer.Ordinal);

    internal HashSet<string> DeclinedSet { get; } = new(StringComparer.Ordinal);

    internal HashSet<string> RefusedSet { get; } = new(StringComparer.Ordinal);

    internal HashSet<string> NotSelectedSet { get; } = new(StringComparer.Ordinal);

    /// <summary>The admitted contributions' change norms (after clipping), when a norm bound is on.</summary>
    internal List<double> Norms { get; } = [];

    /// <summary>The admitted contributions' sample counts (after any cap).</summary>
    internal List<long> SampleCounts { get; } = [];

    /// <summary>Median of the admitted contributions' sample counts (0 when none).</summary>
    public long MedianSamples()
    {
        if (SampleCounts.Count == 0)
        {
            return 0;
        }

        var sorted = SampleCounts.ToArray();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] / 2) + (sorted[mid] / 2);
    }

    /// <summary>Change norms recorded (one per admitted contribution while a norm bound is on).</summary>
    public int NormCount => Norms.Count;

    /// <summary>Contributions folded in.</summary>
    public int Count => Strategy.Count;

    /// <summary>Samples behind the admitted contributions.</summary>
    public long Samples { get; internal set; }

    /// <summary>Sum of loss x samples over the admitted contributions that report a loss.</summary>
    public double LossSum { get; internal set; }

    /// <summary>Energy reported by the admitted contributions, in mAh.</summary>
    public double EnergyMah { get; internal set; }

    /// <summary>Admitted contributions trained on an older round (discounted).</summary>
    public int Stale { get; internal set; }

    /// <summary>Contributions refused while the round was open.</summary>
    public int Rejected { get; internal set; }

    /// <summary>Median of the recorded change norms (NaN when none).</summary>
    public double MedianNorm()
    {
        if (Norms.Count == 0)
        {
            return double.NaN;
        }

        var sorted = Norms.ToArray();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// True when the senders that answered (accepted, refused on content, or declined) reach
    /// <paramref name="fraction"/> of those expected: the senders <paramref name="online"/> now plus any that
    /// answered and went away since, restricted to the selected ones when the round has a selection.
    /// </summary>
    public bool IsQuorumReached(IEnumerable<string> online, double fraction)
    {
        var expected = new HashSet<string>(online, StringComparer.Ordinal);
        expected.UnionWith(AcceptedSet);
        expected.UnionWith(DeclinedSet);
        expected.UnionWith(RefusedSet);
        if (Selected is { } selected)
        {
            // Only the senders asked to take part count, towards both sides of the quorum.
            expected.IntersectWith(selected);
        }

        if (expected.Count == 0)
        {
            return false;
        }

        int answered = AcceptedSet.Count(expected.Contains) + DeclinedSet.Count(expected.Contains) + RefusedSet.Count(expected.Contains);
        return answered >= Math.Max(1, (int)Math.Ceiling(fraction * expected.Count));
    }

    /// <summary>
    /// True when nobody who could still answer is left: no sender expected by <see cref="IsQuorumReached"/>
    /// (online now, or answered) remains, restricted to the selected ones when the round has a selection.
    /// The senders the round invited (<paramref name="invited"/>: the selection, or those online when it opened)
    /// have all gone away without answering; a round that invited nobody is never deserted (someone may still come).
    /// </summary>
    public bool IsDeserted(IEnumerable<string> online, IReadOnlyCollection<string> invited)
    {
        ArgumentNullException.ThrowIfNull(invited);
        if (invited.Count == 0 || AcceptedSet.Count + DeclinedSet.Count + RefusedSet.Count > 0)
        {
            return false;
        }

        return Selected is { } selected ? !online.Any(selected.Contains) : !online.Any();
    }

    /// <summary>Records that <paramref name="sender"/> will not take part; false when it answered already or had declined.</summary>
    public bool Decline(string sender) => !AcceptedSet.Contains(sender) && !RefusedSet.Contains(sender) && DeclinedSet.Add(sender);

    /// <summary>Records that <paramref name="sender"/> was not asked to take part (it answers without declining).</summary>
    public void MarkNotSelected(string sender) => NotSelectedSet.Add(sender);

    /// <summary>Tallies a contribution folded in (<paramref name="norm"/>: its change norm after clipping, when a bound is on).</summary>
    internal void Record(Contribution contribution, long staleness, double? norm)
    {
        AdmittedIdList.Add(contribution.Id);
        if (norm is { } n)
        {
            Norms.Add(n);
        }

        if (staleness > 0)
        {
            Stale++;
        }
        else
        {
            Answered(contribution.SenderId);
        }

        Samples += contribution.SampleCount;
        SampleCounts.Add(contribution.SampleCount);
        if (double.IsFinite(contribution.Loss))
        {
            LossSum += contribution.Loss * contribution.SampleCount;
        }

        EnergyMah += contribution.EnergyMah;
    }

    /// <summary>A contribution for this round from <paramref name="sender"/> was folded in.</summary>
    private void Answered(string sender)
    {
        AcceptedSet.Add(sender);
        DeclinedSet.Remove(sender);
        RefusedSet.Remove(sender);
    }

    /// <summary>A contribution for this round from <paramref name="sender"/> was refused on its content.</summary>
    internal void AnsweredWithRefusal(string sender)
    {
        if (!AcceptedSet.Contains(sender))
        {
            RefusedSet.Add(sender);
        }
    }
}
