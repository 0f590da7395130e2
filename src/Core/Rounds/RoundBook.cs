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

    /// <summary>
    /// Under the lock: the most samples one contribution to <paramref name="round"/> is weighted by (the
    /// fixed MaxSamples unless the tier tightens it relative to its fleet). A larger claim is not refused:
    /// its weight, and the samples it adds to the round, are capped.
    /// </summary>
    protected virtual long SampleCapFor(AggregationRound round) => Rules.MaxSamples;

    /// <summary>Under the lock: a contribution claimed more samples than <paramref name="cap"/> and is weighted by the cap.</summary>
    protected virtual void OnSamplesCapped(Contribution contribution, long cap)
    {
    }

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

    /// <summary>
    /// Under the lock: keeps a contribution <see cref="Select"/> chose to hold (<see cref="RoundSlot.Hold"/>) for the
    /// tier's next round. The payload is lent for the call: a tier that holds copies it.
    /// </summary>
    protected virtual void Hold(Contribution contribution, ReadOnlySequence<byte> payload) =>
        throw new InvalidOperationException($"{GetType().Name} holds no contributions");

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

        if (!TryReserve(contribution, payload, out var place, out var refusal))
        {
            return refusal;
        }

        // Outside the lock: the reference model is fixed while the round is open.
        var verdict = Check(contribution, place.Round.Reference, place.Bound, out double norm, out double deltaScale);
        if (!verdict.IsAccepted)
        {
            Release(place, contribution);
            var outcome = verdict.Reason == RejectReason.NormTooLarge ? AdmissionOutcome.NormTooLarge : AdmissionOutcome.Invalid;
            return Refuse(senderId, contribution, outcome, verdict.Detail);
        }

        if (!replaying && _journal is not null)
        {
            try
            {
                // On disk before the handler returns, so before the sender's acknowledgement.
                _journal.Append(place.Round.Number, contribution, payload);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Not journaled, not folded: the key is free again, and the sender is told to keep it
                // and send it again (a full disk must not make an acknowledged update disappear).
                Release(place, contribution, answered: false);
                return Refuse(senderId, contribution, AdmissionOutcome.Unavailable, $"not journaled: {ex.GetType().Name}: {ex.Message}");
            }
        }

        return Fold(contribution, place, norm, deltaScale);
    }

    /// <summary>Under the lock: the tier's round for the contribution, and its key in that round reserved (or the contribution held for the next round).</summary>
    private bool TryReserve(Contribution contribution, ReadOnlySequence<byte> payload, out Place place, out AdmissionResult refusal)
    {
        lock (Sync)
        {
            place = default;
            var slot = Select(contribution);
            if (slot.Outcome == AdmissionOutcome.Held)
            {
                Hold(contribution, payload);
                refusal = new AdmissionResult(AdmissionOutcome.Held, contribution, slot.Detail);
                return false;
            }

            if (slot.Round is null)
            {
                refusal = Refuse(contribution.SenderId, contribution, slot.Outcome, slot.Detail, slot.Tag);
                return false;
            }

            string key = RoundKey(contribution);
            if (!slot.Round.Keys.Add(key))
            {
                refusal = Refuse(contribution.SenderId, contribution, AdmissionOutcome.Duplicate, $"second contribution from {contribution.SenderId} for round {contribution.Round}");
                return false;
            }

            place = new Place(slot.Round, slot.Staleness, key, NormBoundFor(slot.Round), Math.Max(Rules.MinSamples, SampleCapFor(slot.Round)));
            refusal = default;
            return true;
        }
    }

    /// <summary>Under the lock: the checked contribution folded into its round, unless the round closed meanwhile.</summary>
    private AdmissionResult Fold(Contribution contribution, Place place, double norm, double deltaScale)
    {
        var round = place.Round;
        lock (Sync)
        {
            if (round.Closed)
            {
                return Refuse(contribution.SenderId, contribution, ClosedMeanwhile, $"round {round.Number} closed while the contribution was checked");
            }

            if (contribution.SampleCount > place.SampleCap)
            {
                // One device must not outweigh the fleet by its claim alone.
                OnSamplesCapped(contribution, place.SampleCap);
                contribution = contribution with { SampleCount = place.SampleCap };
            }

            try
            {
                double weight = contribution.SampleCount * Rules.StalenessDiscount(place.Staleness) / _weightUnit;
                round.Strategy.Add(contribution.Model, weight, deltaScale);
            }
            catch (InvalidOperationException ex)
            {
                // A robust rule holds at most Aggregation:MaxUpdates updates per round.
                Release(place, contribution);
                return Refuse(contribution.SenderId, contribution, AdmissionOutcome.Invalid, ex.Message);
            }

            round.Record(contribution, place.Staleness, place.Bound.IsEnabled ? norm * deltaScale : null);
            OnAdmitted(round, contribution, place.Staleness);
        }

        _observer.Admitted(round.Number, contribution, norm, deltaScale, place.Bound.MaxNorm);
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

    private void Release(Place place, Contribution contribution, bool answered = true)
    {
        lock (Sync)
        {
            place.Round.Keys.Remove(place.Key);
            if (answered && place.Staleness == 0)
            {
                // Refused on its content: the sender has answered, and the round need not wait for it.
                place.Round.AnsweredWithRefusal(contribution.SenderId);
            }

            OnReleased(place.Round);
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

    /// <summary>A contribution's reserved place: its round, staleness, key and the norm bound it is held to.</summary>
    private readonly record struct Place(AggregationRound Round, long Staleness, string Key, UpdateNormBound Bound, long SampleCap);
}
