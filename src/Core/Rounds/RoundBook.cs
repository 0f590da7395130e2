using System.Buffers;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;

namespace EdgeFL.Core.Rounds;

/// <summary>
/// The rounds of one tier and the one admission pipeline both tiers use: size, decode, sender identity,
/// the tier's choice of round (open round and staleness at a gateway, pending sync round at the cloud),
/// one contribution per sender and round, validation, the norm bound, the journal, the fold into the
/// round's aggregate, and the counts. Thread-safe.
/// </summary>
/// <remarks>
/// Disk I/O stays out of the lock: the contribution's key is reserved under the lock, then it is
/// validated, measured and journaled outside it (the round's reference model does not change while the
/// round is open), and folded in under the lock again. A round that closed in between refuses it
/// (<see cref="ClosedMeanwhile"/>); its journal row then belongs to a closed round and is never replayed.
/// The journal is written before <see cref="Admit(string, ReadOnlySequence{byte})"/> returns, so before the sender's acknowledgement.
/// </remarks>
public abstract class RoundBook
{
    private readonly ContributionDecoder _decode;
    private readonly IRoundJournal? _journal;
    private readonly IAdmissionObserver _observer;
    private readonly double _weightUnit;

    protected RoundBook(AdmissionRules rules, ContributionDecoder decode, IRoundJournal? journal, IAdmissionObserver observer, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules;
        _decode = decode;
        _journal = journal is { IsDurable: true } ? journal : null;
        _observer = observer;
        Time = time;
        _weightUnit = AggregationWeights.UnitFor(rules.MaxSamples);
    }

    /// <summary>Guards every round of the book.</summary>
    protected Lock Sync { get; } = new();

    /// <summary>The tier's limits.</summary>
    protected AdmissionRules Rules { get; }

    /// <summary>The clock rounds are timed by.</summary>
    protected TimeProvider Time { get; }

    /// <summary>What a contribution gets when its round closed while it was being checked and journaled.</summary>
    protected virtual AdmissionOutcome ClosedMeanwhile => AdmissionOutcome.NoOpenRound;

    /// <summary>Validates one payload from <paramref name="senderId"/> and folds it into its round if it is acceptable.</summary>
    /// <remarks>
    /// <paramref name="payload"/> is borrowed for the call only (with the embedded broker it is the broker's
    /// receive buffer): decoding is zero-copy, the journal writes the bytes before returning, FedAvg sums them
    /// at once and the strategies that hold updates copy them. Nothing added here may keep a part of it.
    /// </remarks>
    public AdmissionResult Admit(string senderId, ReadOnlySequence<byte> payload) => AdmitOrReplay(senderId, payload, replaying: false);

    /// <summary>Folds journaled contributions back after a restart, without journaling them again; returns how many were admitted.</summary>
    public int Replay(IEnumerable<JournaledContribution> journal) =>
        journal.Count(j => AdmitOrReplay(j.SenderId, new ReadOnlySequence<byte>(j.Payload), replaying: true).IsAccepted);

    /// <summary>Under the lock: the round <paramref name="contribution"/> goes into, or why it goes into none.</summary>
    protected abstract RoundSlot Select(Contribution contribution);

    /// <summary>Under the lock: the bound for a contribution to <paramref name="round"/> (the fixed one unless the tier tightens it).</summary>
    protected virtual UpdateNormBound NormBoundFor(AggregationRound round) => Rules.NormBound;

    /// <summary>Under the lock: the key that allows one contribution per sender in a round.</summary>
    protected virtual string RoundKey(Contribution contribution) => contribution.Id;

    /// <summary>Under the lock: a contribution was folded into <paramref name="round"/> (it answered the round when not stale).</summary>
    protected virtual void OnAdmitted(AggregationRound round, Contribution contribution, long staleness)
    {
    }

    /// <summary>Under the lock: a contribution's reserved place in <paramref name="round"/> was given up (it was refused on its content).</summary>
    protected virtual void OnReleased(AggregationRound round)
    {
    }

    /// <summary>Under the lock: a refusal to count against the round that is open, if any.</summary>
    protected virtual AggregationRound? RoundForRefusal() => null;

    /// <summary>Under the lock: closes <paramref name="round"/> (nothing more is folded in) and returns its aggregate, or null when it has fewer than <paramref name="minCount"/> contributions.</summary>
    protected static ModelState? Close(AggregationRound round, int minCount)
    {
        ArgumentNullException.ThrowIfNull(round);
        round.Closed = true;
        return round.Count >= Math.Max(1, minCount) ? round.Strategy.Complete() : null;
    }

    /// <summary>Under the lock: gives up <paramref name="round"/> without aggregating it (superseded, or holding nothing).</summary>
    protected static void Abandon(AggregationRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        round.Closed = true;
    }

    /// <summary>Opens a round around <paramref name="reference"/> with a fresh strategy.</summary>
    protected AggregationRound NewRound(long number, ModelState reference, IEnumerable<string>? selected = null) =>
        new(number, reference, Rules.Aggregation.CreateStrategy(), Time.GetTimestamp(), selected);

    private AdmissionResult AdmitOrReplay(string senderId, ReadOnlySequence<byte> payload, bool replaying)
    {
        if (payload.Length > Rules.MaxBytes)
        {
            return Refuse(senderId, null, AdmissionOutcome.TooLarge, $"{payload.Length} bytes > {Rules.MaxBytes}");
        }

        if (!_decode(payload, out var contribution, out string error))
        {
            return Refuse(senderId, null, AdmissionOutcome.Malformed, error);
        }

        if (!string.Equals(contribution!.SenderId, senderId, StringComparison.Ordinal))
        {
            return Refuse(senderId, contribution, AdmissionOutcome.SenderMismatch, $"payload says '{contribution.SenderId}'");
        }

        AggregationRound round;
        long staleness;
        string key;
        UpdateNormBound bound;
        lock (Sync)
        {
            var slot = Select(contribution);
            if (slot.Round is null)
            {
                return Refuse(senderId, contribution, slot.Outcome, slot.Detail, slot.Tag);
            }

            round = slot.Round;
            staleness = slot.Staleness;
            key = RoundKey(contribution);
            if (!round.Keys.Add(key))
            {
                return Refuse(senderId, contribution, AdmissionOutcome.Duplicate, $"second contribution from {senderId} for round {contribution.Round}");
            }

            bound = NormBoundFor(round);
        }

        // Outside the lock: the reference model is fixed while the round is open.
        var verdict = Check(contribution, round.Reference, bound, out double norm, out double deltaScale);
        if (!verdict.IsAccepted)
        {
            Release(round, contribution, key, staleness);
            var outcome = verdict.Reason == RejectReason.NormTooLarge ? AdmissionOutcome.NormTooLarge : AdmissionOutcome.Invalid;
            return Refuse(senderId, contribution, outcome, verdict.Detail);
        }

        if (!replaying)
        {
            // On disk before the handler returns, so before the sender's acknowledgement.
            _journal?.Append(round.Number, contribution, payload);
        }

        lock (Sync)
        {
            if (round.Closed)
            {
                return Refuse(senderId, contribution, ClosedMeanwhile, $"round {round.Number} closed while the contribution was checked");
            }

            try
            {
                double weight = contribution.SampleCount * Rules.StalenessDiscount(staleness) / _weightUnit;
                round.Strategy.Add(contribution.Model, weight, deltaScale);
            }
            catch (InvalidOperationException ex)
            {
                // A robust rule holds at most Aggregation:MaxUpdates updates per round.
                Release(round, contribution, key, staleness);
                return Refuse(senderId, contribution, AdmissionOutcome.Invalid, ex.Message);
            }

            round.AdmittedIdList.Add(contribution.Id);
            if (bound.IsEnabled)
            {
                round.Norms.Add(norm * deltaScale);
            }

            if (staleness > 0)
            {
                round.Stale++;
            }

            round.Samples += contribution.SampleCount;
            if (double.IsFinite(contribution.Loss))
            {
                round.LossSum += contribution.Loss * contribution.SampleCount;
            }

            round.EnergyMah += contribution.EnergyMah;
            if (staleness == 0)
            {
                round.Answered(contribution.SenderId);
            }

            OnAdmitted(round, contribution, staleness);
        }

        _observer.Admitted(round.Number, contribution, norm, deltaScale, bound.MaxNorm);
        return new AdmissionResult(AdmissionOutcome.Accepted, contribution, "");
    }

    private ValidationResult Check(Contribution contribution, ModelState reference, UpdateNormBound bound, out double norm, out double deltaScale)
    {
        norm = 0;
        deltaScale = 1;
        if (!contribution.Fields.IsAccepted)
        {
            return contribution.Fields;
        }

        if (contribution.SampleCount < Rules.MinSamples || contribution.SampleCount > Rules.MaxSamples)
        {
            return ValidationResult.Reject(RejectReason.SampleCountOutOfRange, $"sample count {contribution.SampleCount} is outside {Rules.MinSamples}..{Rules.MaxSamples}");
        }

        var model = UpdateValidator.ValidateModel(contribution.Model, reference);
        return model.IsAccepted ? bound.Check(contribution.Model, reference, out norm, out deltaScale) : model;
    }

    private void Release(AggregationRound round, Contribution contribution, string key, long staleness)
    {
        lock (Sync)
        {
            round.Keys.Remove(key);
            if (staleness == 0)
            {
                // Refused on its content: the sender has answered, and the round need not wait for it.
                round.AnsweredWithRefusal(contribution.SenderId);
            }

            OnReleased(round);
        }
    }

    private AdmissionResult Refuse(string senderId, Contribution? contribution, AdmissionOutcome outcome, string detail, string? tag = null)
    {
        lock (Sync)
        {
            if (RoundForRefusal() is { } open)
            {
                open.Rejected++;
            }
        }

        _observer.Refused(senderId, outcome, detail);
        return new AdmissionResult(outcome, contribution, detail, tag);
    }
}
