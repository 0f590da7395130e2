using System.Buffers;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.State;
using EdgeFL.Messaging;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway;

/// <summary>
/// The state of one gateway's rounds: the current model, the open round and its running weighted
/// sum. Updates are validated and folded as they arrive, so memory is O(model) whatever the number
/// of devices. Thread-safe; MQTT handlers and the round loop call it concurrently.
/// </summary>
internal sealed class RoundCoordinator
{
    private readonly GatewayOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DecodeLimits _limits;
    private readonly UpdateValidator _validator;
    private readonly UpdateNormBound _normBound;
    private double? _referenceNorm;
    private long _referenceRound;
    private readonly double _weightUnit; // weights in (0, 1]: see AggregationWeights
    private readonly GatewayStateStore? _store;
    private readonly RejectionLogLimiter _logLimiter;
    private readonly Lock _lock = new();
    private ModelState? _model;
    private string _modelId = "";
    private long _version;
    private OpenRound? _open;

    public RoundCoordinator(GatewayOptions options, GatewayMetrics metrics, ILogger logger, TimeProvider time, GatewayStateStore? store = null)
    {
        _store = store is { Durable: true } ? store : null;
        _logLimiter = new RejectionLogLimiter(time);
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _limits = DecodeLimits.Default with { MaxPayloadBytes = options.Updates.MaxBytes };
        _validator = new UpdateValidator(new ValidationLimits
        {
            MinSampleCount = options.Updates.MinSampleCount,
            MaxSampleCount = options.Updates.MaxSampleCount,
            MaxStaleness = options.Staleness.MaxRounds,
        });
        _normBound = options.Updates.NormBound;
        _weightUnit = AggregationWeights.UnitFor(options.Updates.MaxSampleCount);
    }

    /// <summary>Raised after an update or decline changed the open round (the round loop re-checks its quorum).</summary>
    public event Action? Progress;

    public bool HasModel
    {
        get { lock (_lock) { return _model is not null; } }
    }

    /// <summary>The round the current model closed (0 before any round).</summary>
    public long Version
    {
        get { lock (_lock) { return _version; } }
    }

    public long? OpenRoundNumber
    {
        get { lock (_lock) { return _open?.Round; } }
    }

    /// <summary>
    /// Replaces the current model (initial model, saved state, or the cloud's global); only between rounds.
    /// Any model must have tensors, finite values and a round that leaves room for the next one; once a
    /// model is held, a replacement must also have the same tensors. Otherwise it is refused.
    /// </summary>
    public ValidationResult Adopt(ModelMessage message)
    {
        lock (_lock)
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
        lock (_lock)
        {
            if (_model is null)
            {
                throw new InvalidOperationException("no model to train yet");
            }

            if (_open is not null)
            {
                throw new InvalidOperationException($"round {_open.Round} is still open");
            }

            var strategy = _options.Aggregation.CreateStrategy();
            strategy.BeginRound(_model);
            _open = new OpenRound(_version + 1, strategy, _time.GetTimestamp())
            {
                Selected = selected is null ? null : new HashSet<string>(selected, StringComparer.Ordinal),
            };
            var message = new ModelMessage(_modelId, _open.Round, _options.GatewayId, 0, issuedAt ?? _time.GetUtcNow(), _model, selected);
            _store?.OpenRound(_open.Round, message.IssuedAt);
            return message;
        }
    }

    /// <summary>Validates one update payload and folds it into the open round if it is acceptable.</summary>
    /// <remarks>
    /// <b>Payload lifetime.</b> <paramref name="payload"/> is borrowed for the duration of the call and may be
    /// overwritten or reused once it returns: with the embedded broker it is the broker's receive buffer
    /// (<see cref="EmbeddedBroker.AddLocalConsumer"/>). Decoding is zero-copy, so the decoded update's
    /// tensors point into it; nothing here keeps them past the call: the journal writes the bytes to disk
    /// before returning, FedAvg sums them at once, and the strategies that hold a round's updates (median,
    /// trimmed mean) copy them in <see cref="IAggregationStrategy.Add(ModelState, double, double)"/>.
    /// Anything added here that keeps the update, or a part of it, must copy it.
    /// </remarks>
    public UpdateOutcome OnUpdate(string topicDeviceId, ReadOnlySequence<byte> payload) => OnUpdate(topicDeviceId, payload, replaying: false);

    /// <summary>Folds the updates journaled before a restart into the reopened round, without journaling them again.</summary>
    public int Replay(IEnumerable<JournaledUpdate> journal) =>
        journal.Count(j => OnUpdate(j.DeviceId, new ReadOnlySequence<byte>(j.Payload), replaying: true) == UpdateOutcome.Accepted);

    private UpdateOutcome OnUpdate(string topicDeviceId, ReadOnlySequence<byte> payload, bool replaying)
    {
        if (payload.Length > _options.Updates.MaxBytes)
        {
            return Reject(topicDeviceId, UpdateOutcome.TooLarge, $"{payload.Length} bytes > {_options.Updates.MaxBytes}");
        }

        if (!WireCodec.TryDecodeUpdate(payload, _limits, out var update, out var error))
        {
            return Reject(topicDeviceId, UpdateOutcome.Malformed, error.ToString());
        }

        if (!string.Equals(update!.DeviceId, topicDeviceId, StringComparison.Ordinal))
        {
            return Reject(topicDeviceId, UpdateOutcome.DeviceMismatch, $"payload says '{update.DeviceId}'");
        }

        double norm, deltaScale;
        UpdateNormBound bound;
        lock (_lock)
        {
            if (_open is null || _model is null)
            {
                return Reject(topicDeviceId, UpdateOutcome.NoOpenRound, $"update for round {update.Round}");
            }

            long staleness = _open.Round - update.Round;
            if (staleness < 0)
            {
                return Reject(topicDeviceId, UpdateOutcome.WrongRound, $"update for round {update.Round}, open round is {_open.Round}");
            }

            if (staleness > _options.Staleness.MaxRounds)
            {
                return Reject(topicDeviceId, UpdateOutcome.TooStale, $"update for round {update.Round} is {staleness} rounds old (Gateway:Staleness:MaxRounds {_options.Staleness.MaxRounds})");
            }

            if (!_open.Contributions.Add((topicDeviceId, update.Round)))
            {
                return Reject(topicDeviceId, UpdateOutcome.Duplicate, $"second update for round {update.Round}");
            }

            var verdict = _validator.Validate(update, _model, _open.Round);
            if (!verdict.IsAccepted)
            {
                _open.Contributions.Remove((topicDeviceId, update.Round));
                _open.RefusedAnswer(topicDeviceId, staleness);
                return Reject(topicDeviceId, UpdateOutcome.Invalid, verdict.ToString());
            }

            // The change from the round's model, bounded (Gateway:Updates:MaxUpdateNorm): clipped or refused.
            bound = CurrentNormBound();
            var bounded = bound.Check(update.Model, _model, out norm, out deltaScale);
            if (!bounded.IsAccepted)
            {
                _open.Contributions.Remove((topicDeviceId, update.Round));
                _open.RefusedAnswer(topicDeviceId, staleness);
                string detail = bounded.Reason == RejectReason.NormTooLarge && bound != _normBound
                    ? FormattableString.Invariant($"{bounded.Detail} (Gateway:Updates:MaxNormRatio {_options.Updates.MaxNormRatio:G4} x the median norm {_referenceNorm:G4} of round {_referenceRound})")
                    : bounded.Detail;
                return Reject(topicDeviceId, bounded.Reason == RejectReason.NormTooLarge ? UpdateOutcome.NormTooLarge : UpdateOutcome.Invalid, detail);
            }

            if (!replaying && _store is not null)
            {
                // On disk before the handler returns, so before the device's PUBACK.
                _store.Journal(_open.Round, topicDeviceId, update.Round, payload);
            }

            try
            {
                double weight = update.SampleCount * _options.Staleness.Discount(staleness) / _weightUnit;
                _open.Accumulator.Add(update.Model, weight, deltaScale);
            }
            catch (InvalidOperationException ex)
            {
                // A robust rule holds at most Gateway:Aggregation:MaxUpdates updates per round.
                _open.Contributions.Remove((topicDeviceId, update.Round));
                _open.RefusedAnswer(topicDeviceId, staleness);
                return Reject(topicDeviceId, UpdateOutcome.Invalid, ex.Message);
            }
            if (staleness == 0)
            {
                // Only an update for the open round answers it (counts towards the quorum).
                _open.Accepted.Add(topicDeviceId);
                _open.Declined.Remove(topicDeviceId);
                _open.Refused.Remove(topicDeviceId);
            }
            else
            {
                _open.Stale++;
            }

            if (bound.IsEnabled)
            {
                _open.Norms.Add(norm * deltaScale);
            }

            _open.Samples += update.SampleCount;
            _open.LossSum += update.Loss * update.SampleCount;
            _open.EnergyMah += update.EnergyMah;
        }

        _metrics.CountAccepted();
        if (deltaScale < 1)
        {
            _metrics.CountClipped();
            if (MayLog(topicDeviceId))
            {
                GatewayLog.UpdateClipped(_logger, _options.GatewayId, topicDeviceId, update.Round, norm, bound.MaxNorm);
            }
        }

        GatewayLog.UpdateAccepted(_logger, _options.GatewayId, topicDeviceId, update.Round, update.SampleCount, update.Loss);
        Progress?.Invoke();
        return UpdateOutcome.Accepted;
    }

    /// <summary>Records that a device will not take part in the open round.</summary>
    public void OnDecline(string topicDeviceId, RoundDecline decline)
    {
        lock (_lock)
        {
            if (_open is null || decline.Round != _open.Round || decline.DeviceId != topicDeviceId || _open.Accepted.Contains(topicDeviceId) || _open.Refused.Contains(topicDeviceId))
            {
                return;
            }

            if (decline.Reason == NotSelectedReason)
            {
                // Not a refusal: the device was not asked. It answers so the round need not wait for it.
                _open.NotSelected.Add(topicDeviceId);
                return;
            }

            if (!_open.Declined.Add(topicDeviceId))
            {
                return;
            }
        }

        _metrics.CountDeclined();
        GatewayLog.Declined(_logger, _options.GatewayId, topicDeviceId, decline.Round, decline.Reason);
        Progress?.Invoke();
    }

    /// <summary>
    /// True when the devices that answered reach the quorum fraction of those expected: the devices
    /// online now plus any that answered and went away since.
    /// </summary>
    public bool IsQuorumReached(IReadOnlyCollection<string> onlineDevices)
    {
        lock (_lock)
        {
            if (_open is null)
            {
                return false;
            }

            var expected = new HashSet<string>(onlineDevices, StringComparer.Ordinal);
            expected.UnionWith(_open.Accepted);
            expected.UnionWith(_open.Declined);
            expected.UnionWith(_open.Refused);
            if (_open.Selected is { } selected)
            {
                // Only the devices asked to train count, towards both sides of the quorum.
                expected.IntersectWith(selected);
            }

            if (expected.Count == 0)
            {
                return false;
            }

            int answered = _open.Accepted.Count(expected.Contains) + _open.Declined.Count(expected.Contains) + _open.Refused.Count(expected.Contains);
            int needed = Math.Max(1, (int)Math.Ceiling(_options.Rounds.QuorumFraction * expected.Count));
            return answered >= needed;
        }
    }

    /// <summary>Closes the open round: aggregates when enough updates arrived, else keeps the model.</summary>
    public RoundResult CloseRound(RoundCloseReason reason)
    {
        lock (_lock)
        {
            var open = _open ?? throw new InvalidOperationException("no round is open");
            _open = null;
            bool updated = open.Accumulator.Count >= _options.Rounds.MinUpdates;
            if (updated)
            {
                // Finite updates can still overflow float32 once weighted and summed (values near 1e38):
                // such an aggregate never replaces the model.
                var aggregate = open.Accumulator.Complete();
                var check = UpdateValidator.ValidateValues(aggregate);
                if (check.IsAccepted)
                {
                    _model = aggregate;
                }
                else
                {
                    updated = false;
                    _metrics.CountAggregateRefused();
                    GatewayLog.AggregateRefused(_logger, _options.GatewayId, open.Round, check.Detail);
                }
            }

            double medianNorm = Median(open.Norms);
            if (open.Norms.Count >= _options.Updates.MinNormReference)
            {
                _referenceNorm = medianNorm;
                _referenceRound = open.Round;
            }

            _version = open.Round;
            _metrics.CountRound();
            return new RoundResult(
                _options.GatewayId,
                open.Round,
                open.Accumulator.Count,
                open.Declined.Count,
                open.Rejected,
                open.Samples,
                open.Samples > 0 ? open.LossSum / open.Samples : double.NaN,
                open.EnergyMah,
                _time.GetElapsedTime(open.OpenedAt),
                reason,
                updated)
            {
                Stale = open.Stale,
                MedianUpdateNorm = medianNorm,
            };
        }
    }

    /// <summary>The current model as a message (for uploads and checkpoints).</summary>
    public ModelMessage Snapshot(long totalSamples)
    {
        lock (_lock)
        {
            if (_model is null)
            {
                throw new InvalidOperationException("no model yet");
            }

            return new ModelMessage(_modelId, _version, _options.GatewayId, totalSamples, _time.GetUtcNow(), _model);
        }
    }

    /// <summary>
    /// The bound for the next update: the absolute one, tightened by <see cref="UpdateLimitOptions.MaxNormRatio"/>
    /// x the reference median once there is one. With only the ratio set and no reference yet, norms are
    /// measured (an unbounded bound) so that the first rounds can make one.
    /// </summary>
    private UpdateNormBound CurrentNormBound()
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

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /// <summary>The decline reason of a device that was not in the round's selected list.</summary>
    public const string NotSelectedReason = "not-selected";

    private UpdateOutcome Reject(string deviceId, UpdateOutcome outcome, string detail)
    {
        lock (_lock)
        {
            if (_open is not null)
            {
                _open.Rejected++;
            }
        }

        _metrics.CountRejected(outcome.ToString(), deviceId);
        if (MayLog(deviceId))
        {
            GatewayLog.UpdateRejected(_logger, _options.GatewayId, deviceId, outcome.ToString(), detail);
        }

        return outcome;
    }

    /// <summary>True when a line about this device's update may be logged (rate-limited per device); reports the lines suppressed before it.</summary>
    private bool MayLog(string deviceId)
    {
        if (!_logLimiter.ShouldLog(deviceId, out long suppressed))
        {
            return false;
        }

        if (suppressed > 0)
        {
            GatewayLog.RejectionsSuppressed(_logger, _options.GatewayId, deviceId, suppressed);
        }

        return true;
    }

    private sealed class OpenRound(long round, IAggregationStrategy accumulator, long openedAt)
    {
        public long Round { get; } = round;

        public IAggregationStrategy Accumulator { get; } = accumulator;

        public long OpenedAt { get; } = openedAt;

        public HashSet<string> Accepted { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Declined { get; } = new(StringComparer.Ordinal);

        /// <summary>
        /// Devices whose update for this round was refused on its content (invalid, norm too large, no
        /// room): they have answered, and the round does not wait for them until its deadline.
        /// </summary>
        public HashSet<string> Refused { get; } = new(StringComparer.Ordinal);

        public void RefusedAnswer(string deviceId, long staleness)
        {
            if (staleness == 0 && !Accepted.Contains(deviceId))
            {
                Refused.Add(deviceId);
            }
        }

        /// <summary>(device, the round it trained on): one update each.</summary>
        public HashSet<(string Device, long BaseRound)> Contributions { get; } = [];

        public int Stale { get; set; }

        public int Rejected { get; set; }

        /// <summary>The devices asked to train; null when every device may.</summary>
        public HashSet<string>? Selected { get; init; }

        public HashSet<string> NotSelected { get; } = new(StringComparer.Ordinal);

        /// <summary>The accepted updates' change norms (after clipping), when a norm bound is on.</summary>
        public List<double> Norms { get; } = [];

        public long Samples { get; set; }

        public double LossSum { get; set; }

        public double EnergyMah { get; set; }
    }
}
