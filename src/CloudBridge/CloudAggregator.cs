using System.Buffers;
using EdgeFL.CloudBridge.State;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge;

/// <summary>
/// The cloud's rounds, fed by the shared admission pipeline (<see cref="RoundBook"/>): gateway uploads are
/// folded, weighted by their sample counts, into a running sum per sync round; a round's global model is
/// produced when every expected gateway has sent its upload or when the round's deadline passes. Each
/// upload id is applied at most once.
/// </summary>
internal sealed class CloudAggregator : RoundBook
{
    private readonly CloudAggregatorOptions _options;
    private readonly ILogger _logger;
    private readonly CloudMetrics _metrics;
    private readonly SortedDictionary<long, AggregationRound> _pending = [];
    // Upload id -> gateway, for the uploads applied to pending sync rounds; once a round is published they move to _recent.
    private readonly Dictionary<string, string> _applied = new(StringComparer.Ordinal);
    private readonly RecentUploads _recent;
    private readonly CloudStateStore? _store;
    private readonly ServerOptimizer _optimizer;
    private readonly Region.IRegionUplink? _region;
    private ModelMessage? _global;
    private readonly Link.GatewayPresenceBook _presence = new();

    // A region: the round of the last global model taken from the tier above (-1: none yet).
    private long _upperRound = -1;

    public CloudAggregator(CloudAggregatorOptions options, ILogger logger, TimeProvider time, CloudStateStore? store = null, CloudMetrics? metrics = null, Region.IRegionUplink? region = null)
        : base(RulesFor(options), GatewayUploadDecoder.For(DecodeLimits.Default with { MaxPayloadBytes = options.MaxUploadBytes }), store?.RoundJournal, new CloudAdmissionLog(metrics ??= new CloudMetrics(), logger, options.MaxUploadNorm, time), time)
    {
        _store = store is { Durable: true } ? store : null;
        _recent = new RecentUploads(persisted: _store is not null);
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _optimizer = new ServerOptimizer(options.ServerOptimizer);
        _region = region;
    }

    /// <summary>True for a region: each sync round's average goes to the tier above, whose global model is this tier's.</summary>
    public bool IsRegion => _region is not null;

    /// <summary>A region: true when the current global model is the last one taken from the tier above (not this tier's own average).</summary>
    public bool HoldsUpperModel
    {
        get { lock (Sync) { return _global is not null && _global.Round == _upperRound; } }
    }

    /// <summary>Steps the server optimizer has taken since its state was empty (restored across restarts).</summary>
    public long OptimizerSteps
    {
        get { lock (Sync) { return _optimizer.Steps; } }
    }

    /// <summary>The cloud's counters.</summary>
    public CloudMetrics Metrics => _metrics;

    public ModelMessage? Global
    {
        get { lock (Sync) { return _global; } }
    }

    /// <summary>Rejected uploads by reason (<see cref="CloudMetrics.RejectedByReason"/>).</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _metrics.RejectedByReason;

    /// <summary>Uploads accepted with their change clipped to Cloud:MaxUploadNorm.</summary>
    public long Clipped => _metrics.Clipped;

    /// <summary>Sync rounds whose aggregate was not finite (float32 overflow) and was replaced by the previous global model.</summary>
    public long AggregatesRefused => _metrics.AggregatesRefused;

    protected override AdmissionOutcome ClosedMeanwhile => AdmissionOutcome.TooStale;

    private static AdmissionRules RulesFor(CloudAggregatorOptions options) => new()
    {
        MaxBytes = options.MaxUploadBytes,
        MinSamples = 1,
        MaxSamples = options.MaxTotalSamples,
        NormBound = new UpdateNormBound(options.MaxUploadNorm, options.UploadNormPolicy),
        Aggregation = options.Aggregation,
    };

    /// <summary>
    /// Takes a global model as current (initial seed, or a retained one found at start) when it is newer
    /// than the current one and fit (tensors, finite values, the current layout: UpdateValidator.ValidateAdoptable).
    /// </summary>
    public ValidationResult Adopt(ModelMessage global)
    {
        lock (Sync)
        {
            if (_global is not null && global.Round <= _global.Round)
            {
                return ValidationResult.Reject(RejectReason.WrongRound, $"round {global.Round} is not newer than the current global model's {_global.Round}");
            }

            var check = UpdateValidator.ValidateAdoptable(global, _global?.Model);
            if (check.IsAccepted)
            {
                // A model from elsewhere (seed, retained): the optimizer's moments belong to no step towards it.
                _global = global with { Model = global.Model.Detach() };
                _optimizer.Restore(_global.Model, null, 0);
                _store?.SaveGlobal(_global);
            }

            return check;
        }
    }

    /// <summary>
    /// Restores the saved global model and folds back the uploads pending at the last stop; returns how
    /// many. Saved state that is unreadable, or whose model is unfit, is discarded and reported as
    /// <see cref="InvalidDataException"/>: the aggregator then starts from its seed.
    /// </summary>
    public int Restore()
    {
        if (_store is null)
        {
            return 0;
        }

        ModelMessage? global;
        IReadOnlyList<JournaledContribution> pending;
        try
        {
            (global, pending) = _store.Load();
            _upperRound = _store.LoadUpperRound();
            _store.LoadRecent(_recent);
            if (global is not null && UpdateValidator.ValidateAdoptable(global, null) is { IsAccepted: false } unfit)
            {
                throw new InvalidDataException($"the saved global model is unfit: {unfit}");
            }
        }
        catch (InvalidDataException)
        {
            _store.Discard();
            throw;
        }

        if (global is not null)
        {
            lock (Sync)
            {
                _global = global;
                RestoreOptimizer(global);
            }
        }

        return Replay(pending);
    }

    /// <summary>Under the lock: the optimizer's saved state, when it belongs to <paramref name="global"/> and to the configured kind; else it starts empty.</summary>
    private void RestoreOptimizer(ModelMessage global)
    {
        ServerOptimizerState? saved;
        try
        {
            saved = _store!.LoadOptimizer();
        }
        catch (InvalidDataException ex)
        {
            CloudLog.OptimizerStateDiscarded(_logger, ex.Message);
            _optimizer.Restore(global.Model, null, 0);
            return;
        }

        string kind = _optimizer.Kind.ToString();
        if (saved is null || saved.Kind != kind || saved.Round != global.Round || !_optimizer.Restore(global.Model, saved.Moments, saved.Steps))
        {
            if (saved is not null)
            {
                CloudLog.OptimizerStateDiscarded(_logger, $"saved state of {saved.Kind} for round {saved.Round} does not fit {kind} at round {global.Round}");
            }

            _optimizer.Restore(global.Model, null, 0);
        }
    }

    private ServerOptimizerState OptimizerState() => new(_optimizer.Kind.ToString(), _global!.Round, _optimizer.Steps, _optimizer.State());

    /// <summary>Records a gateway's presence ({prefix}/cloud/status/{gw}); true when a pending sync may now be complete.</summary>
    public bool OnPresence(string gatewayId, GatewayPresence presence)
    {
        bool changed = _presence.Set(gatewayId, presence);
        if (changed)
        {
            CloudLog.GatewayPresence(_logger, gatewayId, presence.ToString().ToLowerInvariant());
        }

        return changed && presence != GatewayPresence.Online;
    }

    public AdmissionOutcome OnUpload(string topicGatewayId, ReadOnlySequence<byte> payload) => OnUpload(topicGatewayId, payload, out _);

    /// <summary>
    /// Handles one upload and says what to acknowledge to its gateway: an <see cref="UploadAck"/> when the
    /// outcome is final (accepted and journaled, applied before, or refused for good), null when the
    /// gateway should send it again later (no model yet, too many rounds open) or cannot be answered
    /// (not decodable, or naming another gateway than its topic).
    /// </summary>
    public AdmissionOutcome OnUpload(string topicGatewayId, ReadOnlySequence<byte> payload, out UploadAck? ack)
    {
        var result = Admit(topicGatewayId, payload);
        string? final = result.Outcome switch
        {
            AdmissionOutcome.Accepted => UploadAck.Accepted,
            AdmissionOutcome.Duplicate => result.Tag ?? "duplicate-round",
            AdmissionOutcome.TooStale => "stale",
            AdmissionOutcome.Invalid => "invalid",
            AdmissionOutcome.NormTooLarge => "norm-too-large",
            _ => null,
        };
        ack = result.Contribution is { } upload && final is not null && result.Outcome != AdmissionOutcome.SenderMismatch
            ? new UploadAck(upload.SenderId, upload.Id, upload.Round, final)
            : null;
        return result.Outcome;
    }

    protected override RoundSlot Select(Contribution contribution)
    {
        if (_global is null)
        {
            return RoundSlot.Refuse(AdmissionOutcome.NoModel, contribution.Id);
        }

        // Applied to a pending round, or to a published one (a gateway whose acknowledgement was lost sends its upload again).
        if (_applied.ContainsKey(contribution.Id) || _recent.Contains(contribution.SenderId, contribution.Id))
        {
            return RoundSlot.Refuse(AdmissionOutcome.Duplicate, contribution.Id, UploadAck.Duplicate);
        }

        if (contribution.Round <= _global.Round)
        {
            return RoundSlot.Refuse(AdmissionOutcome.TooStale, $"round {contribution.Round} <= global {_global.Round}");
        }

        // The cloud's own next rounds end at the global round + Cloud:MaxRoundLead: an upload naming a
        // later round joins that one, so no upload moves the global round (and every gateway's) further.
        long number = Math.Min(contribution.Round, NextRoundLimit);
        if (number < contribution.Round)
        {
            _metrics.CountRoundCapped();
        }

        if (!_pending.TryGetValue(number, out var round))
        {
            // Rounds that have all their gateways are only waiting for the publishing loop: they
            // do not count against the limit (a burst after an outage must not be refused).
            if (_pending.Values.Count(p => !IsComplete(p)) >= _options.MaxOpenRounds)
            {
                return RoundSlot.Refuse(AdmissionOutcome.TooManyRounds, $"round {contribution.Round}");
            }

            // The change is measured from the global model the sync round started from.
            round = NewRound(number, _global.Model);
            _pending.Add(number, round);
        }

        return RoundSlot.In(round);
    }

    /// <summary>Under the lock: the furthest round a sync may publish (both terms are valid rounds: no overflow).</summary>
    private long NextRoundLimit => Math.Min(_global!.Round + _options.MaxRoundLead, RoundNumbers.Max - 1);

    /// <summary>One upload per gateway and sync round.</summary>
    protected override string RoundKey(Contribution contribution) => contribution.SenderId;

    protected override void OnAdmitted(AggregationRound round, Contribution contribution, long staleness) => _applied[contribution.Id] = contribution.SenderId;

    /// <summary>Under the lock: a pending round is published or superseded; its upload ids stay answerable as applied (<see cref="RecentUploads"/>).</summary>
    private void Forget(AggregationRound superseded)
    {
        foreach (string id in superseded.AdmittedIds)
        {
            if (_applied.Remove(id, out string? gateway))
            {
                _recent.Remember(gateway, id);
            }
        }
    }

    protected override void OnReleased(AggregationRound round)
    {
        // A round opened for an upload that was then refused holds nothing: it does not stay pending.
        if (round.Reserved == 0 && round.Count == 0 && _pending.TryGetValue(round.Number, out var held) && held == round)
        {
            _pending.Remove(round.Number);
            Abandon(round);
        }
    }

    /// <summary>Completes every pending round whose gateways are all in or whose deadline passed; returns the new globals in order.</summary>
    public IReadOnlyList<(ModelMessage Global, int Gateways)> CloseDue()
    {
        var published = new List<(ModelMessage, int)>();
        bool forwarded = false;
        lock (Sync)
        {
            foreach (var (number, pending) in _pending.ToArray())
            {
                bool complete = IsComplete(pending);
                bool late = Time.GetElapsedTime(pending.OpenedAt) >= _options.SyncDeadline;
                if (!complete && !late)
                {
                    continue;
                }

                if (complete && pending.Accepted.Count < _options.ExpectedGateways)
                {
                    _metrics.CountClosedWithoutAbsent();
                    CloudLog.SyncClosedWithoutAbsent(_logger, number, pending.Accepted.Count, _options.ExpectedGateways, Absent(pending));
                }

                // Finite uploads can still overflow float32 once weighted and summed: such an aggregate is
                // not published; the round completes with the previous global model, as with no uploads.
                var model = Close(pending, 1) ?? _global!.Model;
                if (UpdateValidator.ValidateValues(model) is { IsAccepted: false } refused)
                {
                    _metrics.CountAggregateRefused();
                    CloudLog.AggregateRefused(_logger, number, refused.Detail);
                    model = _global!.Model;
                }
                else if (pending.Count > 0)
                {
                    // The average's change from the current global model is the server optimizer's pseudo-gradient.
                    var stepped = _optimizer.Step(_global!.Model, model);
                    if (UpdateValidator.ValidateValues(stepped) is { IsAccepted: false } overflow)
                    {
                        _metrics.CountAggregateRefused();
                        CloudLog.AggregateRefused(_logger, number, "after the server optimizer: " + overflow.Detail);
                        model = _global.Model;
                    }
                    else
                    {
                        model = stepped;
                    }
                }

                _global = new ModelMessage(_global!.ModelId, number, "cloud", pending.Samples, Time.GetUtcNow(), model);
                published.Add((_global, pending.Accepted.Count));
                _metrics.CountRound();

                // Older pending rounds are superseded by this newer global model; their ids need no
                // remembering, since uploads at or below the global round are refused as stale.
                foreach (long older in _pending.Keys.Where(k => k <= number).ToArray())
                {
                    var superseded = _pending[older];
                    Abandon(superseded);
                    Forget(superseded);
                    _pending.Remove(older);
                }

                var closed = _global;
                if (_region is not null && pending.Count > 0)
                {
                    // A region: the average goes up in the transaction that saves the round (both or neither after a crash).
                    if (_store is not null)
                    {
                        _store.SaveGlobal(closed, OptimizerState(), (c, tx) => _region.Enqueue(c, tx, closed), _recent);
                    }
                    else
                    {
                        _region.EnqueueAlone(closed);
                    }

                    forwarded = true;
                }
                else
                {
                    _store?.SaveGlobal(closed, OptimizerState(), recent: _recent);
                }
            }
        }

        if (forwarded)
        {
            _region!.Committed();
        }

        return published;
    }

    /// <summary>
    /// A region: takes the tier above's global model as this tier's current one when it is newer than the last one
    /// taken and not older than this tier's own round (the region's average of that round is replaced by it), and fit.
    /// Pending sync rounds at or below it are superseded, as by any newer global model.
    /// </summary>
    public ValidationResult AdoptUpper(ModelMessage upper)
    {
        lock (Sync)
        {
            if (upper.Round <= _upperRound || (_global is not null && upper.Round < _global.Round))
            {
                return ValidationResult.Reject(RejectReason.WrongRound, $"round {upper.Round} is older than this tier's round {_global?.Round} or than the last model taken from above ({_upperRound})");
            }

            var check = UpdateValidator.ValidateAdoptable(upper, _global?.Model);
            if (!check.IsAccepted)
            {
                return check;
            }

            _global = upper with { Model = upper.Model.Detach() };
            _upperRound = upper.Round;
            _optimizer.Restore(_global.Model, null, 0);
            foreach (long older in _pending.Keys.Where(k => k <= upper.Round).ToArray())
            {
                var superseded = _pending[older];
                Abandon(superseded);
                Forget(superseded);
                _pending.Remove(older);
            }

            _store?.SaveUpper(_global, _recent);
            return check;
        }
    }

    /// <summary>
    /// All expected gateways are in; or at least one is, and every other expected gateway is known not to upload
    /// (offline, idle, or its last will): the sync does not wait out Cloud:SyncDeadline for them.
    /// </summary>
    private bool IsComplete(AggregationRound pending) =>
        _options.ExpectedGateways > 0 && pending.Accepted.Count > 0
        && pending.Accepted.Count + _presence.AbsentExcept(pending.Accepted) >= _options.ExpectedGateways;

    /// <summary>Under the lock: the expected gateways a closing sync does without, when it closes before its deadline.</summary>
    private int Absent(AggregationRound pending) => _presence.AbsentExcept(pending.Accepted);
}
