using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.State;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway;

/// <summary>
/// A gateway's rounds: the current model and at most one open round, fed by the shared admission
/// pipeline (<see cref="RoundBook"/>). A device update is for the open round or up to
/// Gateway:Staleness:MaxRounds rounds older (discounted); the round closes on quorum or deadline
/// (decided by the round loop). Memory is O(model) whatever the number of devices. Thread-safe.
/// </summary>
internal sealed class RoundCoordinator : RoundBook
{
    /// <summary>The decline reason of a device that was not in the round's selected list.</summary>
    public const string NotSelectedReason = "not-selected";

    private readonly GatewayOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly UpdateNormBound _normBound;
    private readonly GatewayStateStore? _store;
    private double? _referenceNorm;
    private long _referenceSamples;
    private ModelState? _model;
    private string _modelId = "";
    private long _version;
    private AggregationRound? _open;
    private readonly List<(string SenderId, string Id, byte[] Payload)> _late = [];
    private readonly Dictionary<long, int> _lateFolded = [];

    public RoundCoordinator(GatewayOptions options, GatewayMetrics metrics, ILogger logger, TimeProvider time, GatewayStateStore? store = null)
        : base(RulesFor(options), DeviceUpdateDecoder.For(DecodeLimits.Default with { MaxPayloadBytes = options.Updates.MaxBytes }, new UpdateValidator()), store?.RoundJournal, new GatewayAdmissionLog(options.GatewayId, metrics, logger, time), time)
    {
        _store = store is { Durable: true } ? store : null;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _normBound = options.Updates.NormBound;
    }

    /// <summary>Raised after an update or decline changed the open round (the round loop re-checks its quorum).</summary>
    public event Action? Progress;

    public bool HasModel
    {
        get { lock (Sync) { return _model is not null; } }
    }

    /// <summary>The round the current model closed (0 before any round).</summary>
    public long Version
    {
        get { lock (Sync) { return _version; } }
    }

    public long? OpenRoundNumber
    {
        get { lock (Sync) { return _open?.Number; } }
    }

    private static AdmissionRules RulesFor(GatewayOptions options) => new()
    {
        MaxBytes = options.Updates.MaxBytes,
        MinSamples = options.Updates.MinSampleCount,
        MaxSamples = options.Updates.MaxSampleCount,
        NormBound = options.Updates.NormBound,
        StalenessDiscount = options.Staleness.Discount,
        Aggregation = options.Aggregation,
    };

    /// <summary>
    /// Replaces the current model (initial model, saved state, or the cloud's global); only between rounds.
    /// Any model must have tensors, finite values and a round that leaves room for the next one; once a
    /// model is held, a replacement must also have the same tensors. Otherwise it is refused.
    /// </summary>
    public ValidationResult Adopt(ModelMessage message)
    {
        lock (Sync)
        {
            if (_open is not null)
            {
                throw new InvalidOperationException("cannot adopt a model while a round is open");
            }

            if (UpdateValidator.ValidateAdoptable(message, _model) is { IsAccepted: false } refused)
            {
                _metrics.CountRejected("GlobalModel" + refused.Reason);
                return refused;
            }

            _model = message.Model.Detach();
            _modelId = message.ModelId;
            _version = Math.Max(_version, message.Round);
            return ValidationResult.Accepted;
        }
    }

    /// <summary>
    /// The current model as a message for round <c>Version + 1</c>: what devices train on. With a
    /// <paramref name="selected"/> list only those devices are asked to train, and the quorum counts
    /// only them. <paramref name="issuedAt"/> reopens a round after a restart with its original issue time.
    /// </summary>
    public ModelMessage BeginRound(IReadOnlyList<string>? selected = null, DateTimeOffset? issuedAt = null)
    {
        ModelMessage message;
        List<(string SenderId, string Id, byte[] Payload)> late;
        lock (Sync)
        {
            if (_model is null)
            {
                throw new InvalidOperationException("no model to train yet");
            }

            if (_open is not null)
            {
                throw new InvalidOperationException($"round {_open.Number} is still open");
            }

            var round = NewRound(_version + 1, _model, selected);
            message = new ModelMessage(_modelId, round.Number, _options.GatewayId, 0, issuedAt ?? Time.GetUtcNow(), _model, selected);

            // Saved before the round is open: a write that fails (a full disk) leaves no round open, to try again.
            _store?.OpenRound(round.Number, message.IssuedAt);
            _open = round;
            late = [.. _late];
            _late.Clear();
        }

        FoldLate(late);
        return message;
    }

    /// <summary>The updates held between rounds, folded into the round just opened (journaled now, discounted as stale).</summary>
    private void FoldLate(List<(string SenderId, string Id, byte[] Payload)> late)
    {
        int folded = 0;
        foreach (var (sender, _, payload) in late)
        {
            if (Admit(sender, new ReadOnlySequence<byte>(payload)).IsAccepted)
            {
                folded++;
                _metrics.CountLateFolded();
            }
        }

        if (late.Count > 0)
        {
            lock (Sync)
            {
                if (_open is not null)
                {
                    _lateFolded[_open.Number] = folded;
                }
            }

            GatewayLog.LateFolded(_logger, _options.GatewayId, late.Count, folded);
        }
    }

    /// <summary>Admits one device update (see <see cref="RoundBook.Admit"/>): the payload is borrowed for the call only.</summary>
    public AdmissionOutcome OnUpdate(string topicDeviceId, ReadOnlySequence<byte> payload) => Take(topicDeviceId, payload).Outcome;

    /// <summary>As <see cref="OnUpdate"/>, with the detail of a refusal (for the device's PUBACK).</summary>
    public AdmissionResult Take(string topicDeviceId, ReadOnlySequence<byte> payload)
    {
        var result = Admit(topicDeviceId, payload);
        if (result.Outcome is AdmissionOutcome.Accepted or AdmissionOutcome.Invalid or AdmissionOutcome.NormTooLarge)
        {
            Progress?.Invoke();
        }
        else if (result.Outcome == AdmissionOutcome.Held)
        {
            _metrics.CountLateHeld();
            GatewayLog.LateHeld(_logger, _options.GatewayId, topicDeviceId, result.Contribution!.Round);
        }

        return result;
    }

    protected override RoundSlot Select(Contribution contribution)
    {
        if (_open is null)
        {
            // Between rounds: an update for a round already closed is kept for the next one (FedBuff-style),
            // where it counts as stale by at least one round; within the staleness bound and the holding limit.
            long lag = _version + 1 - contribution.Round;
            bool holdable = _model is not null && lag >= 1 && lag <= _options.Staleness.MaxRounds
                && _late.Count < _options.Staleness.MaxLateUpdates && !_late.Exists(l => l.Id == contribution.Id);
            return holdable
                ? RoundSlot.Hold($"update for round {contribution.Round} held for round {_version + 1}")
                : RoundSlot.Refuse(AdmissionOutcome.NoOpenRound, $"update for round {contribution.Round}");
        }

        long staleness = _open.Number - contribution.Round;
        if (staleness < 0)
        {
            return RoundSlot.Refuse(AdmissionOutcome.WrongRound, $"update for round {contribution.Round}, open round is {_open.Number}");
        }

        if (staleness > _options.Staleness.MaxRounds)
        {
            return RoundSlot.Refuse(AdmissionOutcome.TooStale, $"update for round {contribution.Round} is {staleness} rounds old (Gateway:Staleness:MaxRounds {_options.Staleness.MaxRounds})");
        }

        return RoundSlot.In(_open, staleness);
    }

    protected override void Hold(Contribution contribution, ReadOnlySequence<byte> payload) =>
        _late.Add((contribution.SenderId, contribution.Id, payload.ToArray()));

    protected override AggregationRound? RoundForRefusal() => _open;

    /// <summary>
    /// The bound for the next update: the absolute one, tightened by <see cref="UpdateLimitOptions.MaxNormRatio"/>
    /// x the reference median once there is one. With only the ratio set and no reference yet, norms are
    /// measured (an unbounded bound) so that the first rounds can make one.
    /// </summary>
    protected override UpdateNormBound NormBoundFor(AggregationRound round)
    {
        double ratio = _options.Updates.MaxNormRatio;
        if (ratio <= 0)
        {
            return _normBound;
        }

        if (_referenceNorm is not > 0)
        {
            return _normBound.IsEnabled ? _normBound : _normBound with { MaxNorm = double.MaxValue };
        }

        double relative = ratio * _referenceNorm.Value;
        return _normBound.IsEnabled && _normBound.MaxNorm <= relative ? _normBound : _normBound with { MaxNorm = relative };
    }

    /// <summary>The absolute MaxSampleCount, tightened to MaxSampleRatio x the reference median sample count once there is one.</summary>
    protected override long SampleCapFor(AggregationRound round)
    {
        double ratio = _options.Updates.MaxSampleRatio;
        if (ratio <= 0 || _referenceSamples <= 0)
        {
            return Rules.MaxSamples;
        }

        double relative = Math.Ceiling(ratio * _referenceSamples);
        return relative >= Rules.MaxSamples ? Rules.MaxSamples : (long)relative;
    }

    protected override void OnSamplesCapped(Contribution contribution, long cap) => _metrics.CountSamplesCapped();

    /// <summary>Records that a device will not take part in the open round.</summary>
    public void OnDecline(string topicDeviceId, RoundDecline decline)
    {
        lock (Sync)
        {
            if (_open is null || decline.Round != _open.Number || decline.DeviceId != topicDeviceId)
            {
                return;
            }

            if (decline.Reason == NotSelectedReason)
            {
                // Not a refusal: the device was not asked. It answers so the round need not wait for it.
                _open.MarkNotSelected(topicDeviceId);
                return;
            }

            if (!_open.Decline(topicDeviceId))
            {
                return;
            }
        }

        _metrics.CountDeclined();
        GatewayLog.Declined(_logger, _options.GatewayId, topicDeviceId, decline.Round, decline.Reason);
        Progress?.Invoke();
    }

    /// <summary>
    /// True when the devices that answered reach Gateway:Rounds:QuorumFraction of those expected: the devices
    /// online now plus any that answered and went away since.
    /// </summary>
    public bool IsQuorumReached(IReadOnlyCollection<string> onlineDevices)
    {
        lock (Sync)
        {
            return _open is not null && _open.IsQuorumReached(onlineDevices, _options.Rounds.QuorumFraction);
        }
    }

    /// <summary>True when every device <paramref name="invited"/> to the open round is known to be gone without answering (<see cref="AggregationRound.IsDeserted"/>).</summary>
    public bool IsDeserted(IReadOnlyCollection<string> onlineDevices, IReadOnlyCollection<string> invited)
    {
        lock (Sync)
        {
            return _open is not null && _open.IsDeserted(onlineDevices, invited);
        }
    }

    /// <summary>Closes the open round: aggregates when enough updates arrived, else keeps the model.</summary>
    public RoundResult CloseRound(RoundCloseReason reason)
    {
        lock (Sync)
        {
            var open = _open ?? throw new InvalidOperationException("no round is open");
            _open = null;
            var aggregate = Close(open, _options.Rounds.MinUpdates);
            bool updated = aggregate is not null;
            if (aggregate is not null)
            {
                // Finite updates can still overflow float32 once weighted and summed (values near 1e38):
                // such an aggregate never replaces the model.
                var check = UpdateValidator.ValidateValues(aggregate);
                if (check.IsAccepted)
                {
                    _model = aggregate;
                }
                else
                {
                    updated = false;
                    _metrics.CountAggregateRefused();
                    GatewayLog.AggregateRefused(_logger, _options.GatewayId, open.Number, check.Detail);
                }
            }

            double medianNorm = open.MedianNorm();
            if (open.NormCount >= _options.Updates.MinNormReference)
            {
                _referenceNorm = medianNorm;
            }

            if (open.Count >= _options.Updates.MinNormReference)
            {
                _referenceSamples = open.MedianSamples();
            }

            _version = open.Number;
            _metrics.CountRound();
            return new RoundResult(
                _options.GatewayId,
                open.Number,
                open.Count,
                open.Declined.Count,
                open.Rejected,
                open.Samples,
                open.Samples > 0 ? open.LossSum / open.Samples : double.NaN,
                open.EnergyMah,
                Time.GetElapsedTime(open.OpenedAt),
                reason,
                updated)
            {
                Stale = open.Stale,
                Late = _lateFolded.Remove(open.Number, out int late) ? late : 0,
                MedianUpdateNorm = medianNorm,
            };
        }
    }

    /// <summary>The current model as a message (for uploads and checkpoints).</summary>
    public ModelMessage Snapshot(long totalSamples)
    {
        lock (Sync)
        {
            if (_model is null)
            {
                throw new InvalidOperationException("no model yet");
            }

            return new ModelMessage(_modelId, _version, _options.GatewayId, totalSamples, Time.GetUtcNow(), _model);
        }
    }
}
