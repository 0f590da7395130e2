using System.Buffers;
using EdgeFL.CloudBridge.State;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge;

/// <summary>
/// The cloud's averaging: gateway uploads are folded, weighted by their sample counts, into a running
/// sum per sync round; a round's global model is produced when every expected gateway has sent its
/// upload or when the round's deadline passes. Each upload id is applied at most once.
/// </summary>
internal sealed class CloudAggregator
{
    private readonly CloudAggregatorOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DecodeLimits _limits;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, PendingRound> _pending = [];
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly CloudStateStore? _store;
    private ModelMessage? _global;
    private long _clipped;
    private long _aggregatesRefused;

    public CloudAggregator(CloudAggregatorOptions options, ILogger logger, TimeProvider time, CloudStateStore? store = null)
    {
        _store = store is { Durable: true } ? store : null;
        _options = options;
        _logger = logger;
        _time = time;
        _limits = DecodeLimits.Default with { MaxPayloadBytes = options.MaxUploadBytes };
    }

    public ModelMessage? Global
    {
        get { lock (_lock) { return _global; } }
    }

    public IReadOnlyDictionary<string, long> RejectedByReason
    {
        get { lock (_lock) { return new Dictionary<string, long>(_rejected); } }
    }

    /// <summary>Uploads accepted with their change clipped to Cloud:MaxUploadNorm.</summary>
    public long Clipped => Interlocked.Read(ref _clipped);

    /// <summary>Sync rounds whose aggregate was not finite (float32 overflow) and was replaced by the previous global model.</summary>
    public long AggregatesRefused => Interlocked.Read(ref _aggregatesRefused);

    /// <summary>
    /// Takes a global model as current (initial seed, or a retained one found at start) when it is newer
    /// than the current one and fit (tensors, finite values, the current layout: UpdateValidator.ValidateAdoptable).
    /// </summary>
    public ValidationResult Adopt(ModelMessage global)
    {
        lock (_lock)
        {
            if (_global is not null && global.Round <= _global.Round)
            {
                return ValidationResult.Reject(RejectReason.WrongRound, $"round {global.Round} is not newer than the current global model's {_global.Round}");
            }

            var check = UpdateValidator.ValidateAdoptable(global, _global?.Model);
            if (check.IsAccepted)
            {
                _global = global with { Model = global.Model.Detach() };
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
        IReadOnlyList<(string GatewayId, byte[] Payload)> pending;
        try
        {
            (global, pending) = _store.Load();
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
            lock (_lock)
            {
                _global = global;
            }
        }

        return pending.Count(p => OnUpload(p.GatewayId, new ReadOnlySequence<byte>(p.Payload), replaying: true, out _) == UploadOutcome.Accepted);
    }

    public UploadOutcome OnUpload(string topicGatewayId, ReadOnlySequence<byte> payload) => OnUpload(topicGatewayId, payload, replaying: false, out _);

    /// <summary>
    /// Handles one upload and says what to acknowledge to its gateway: an <see cref="UploadAck"/> when the
    /// outcome is final (accepted and journaled, applied before, or refused for good), null when the
    /// gateway should send it again later (no model yet, too many rounds open) or cannot be answered
    /// (not decodable, or naming another gateway than its topic).
    /// </summary>
    public UploadOutcome OnUpload(string topicGatewayId, ReadOnlySequence<byte> payload, out UploadAck? ack) => OnUpload(topicGatewayId, payload, replaying: false, out ack);

    private UploadOutcome OnUpload(string topicGatewayId, ReadOnlySequence<byte> payload, bool replaying, out UploadAck? ack)
    {
        ack = null;
        var outcome = Handle(topicGatewayId, payload, replaying, out var upload, out string? final);
        if (upload is not null && final is not null)
        {
            ack = new UploadAck(upload.GatewayId, upload.UploadId, upload.Round, final);
        }

        return outcome;
    }

    private UploadOutcome Handle(string topicGatewayId, ReadOnlySequence<byte> payload, bool replaying, out GatewayUpload? decoded, out string? final)
    {
        decoded = null;
        final = null;
        if (payload.Length > _options.MaxUploadBytes)
        {
            return Reject(topicGatewayId, UploadOutcome.TooLarge, $"{payload.Length} bytes");
        }

        if (!WireCodec.TryDecodeUpload(payload, _limits, out var upload, out var error))
        {
            return Reject(topicGatewayId, UploadOutcome.Malformed, error.ToString());
        }

        if (upload!.GatewayId != topicGatewayId)
        {
            return Reject(topicGatewayId, UploadOutcome.GatewayMismatch, $"payload says '{upload.GatewayId}'");
        }

        decoded = upload;

        double norm, deltaScale;
        lock (_lock)
        {
            if (_global is null)
            {
                return Reject(topicGatewayId, UploadOutcome.NoModel, upload.UploadId);
            }

            if (_applied.Contains(upload.UploadId))
            {
                final = UploadAck.Duplicate;
                return Reject(topicGatewayId, UploadOutcome.Duplicate, upload.UploadId);
            }

            if (upload.Round <= _global.Round)
            {
                final = "stale";
                return Reject(topicGatewayId, UploadOutcome.Stale, $"round {upload.Round} <= global {_global.Round}");
            }

            if (upload.TotalSamples < 1 || upload.TotalSamples > _options.MaxTotalSamples)
            {
                final = "invalid";
                return Reject(topicGatewayId, UploadOutcome.Invalid, $"total samples {upload.TotalSamples}");
            }

            if (upload.Round == long.MaxValue)
            {
                // Its global model would leave gateways no next round, and the cloud no newer upload.
                final = "invalid";
                return Reject(topicGatewayId, UploadOutcome.Invalid, $"round {upload.Round} leaves no next round");
            }

            var check = UpdateValidator.ValidateModel(upload.Model, _global.Model);
            if (!check.IsAccepted)
            {
                final = "invalid";
                return Reject(topicGatewayId, UploadOutcome.Invalid, check.ToString());
            }

            // The change is measured from the model the upload's sync round averages around: the global
            // model its pending round started from, or the current one for a new round.
            _pending.TryGetValue(upload.Round, out var round);
            var bounded = new UpdateNormBound(_options.MaxUploadNorm, _options.UploadNormPolicy).Check(upload.Model, round?.Reference ?? _global.Model, out norm, out deltaScale);
            if (!bounded.IsAccepted)
            {
                final = bounded.Reason == RejectReason.NormTooLarge ? "norm-too-large" : "invalid";
                return Reject(topicGatewayId, bounded.Reason == RejectReason.NormTooLarge ? UploadOutcome.NormTooLarge : UploadOutcome.Invalid, bounded.Detail);
            }

            if (round is null)
            {
                // Rounds that have all their gateways are only waiting for the publishing loop: they
                // do not count against the limit (a burst after an outage must not be refused).
                if (_pending.Values.Count(p => !IsComplete(p)) >= _options.MaxOpenRounds)
                {
                    return Reject(topicGatewayId, UploadOutcome.TooManyRounds, $"round {upload.Round}");
                }

                var strategy = _options.Aggregation.CreateStrategy();
                strategy.BeginRound(_global.Model);
                round = new PendingRound(strategy, _global.Model, _time.GetTimestamp());
                _pending.Add(upload.Round, round);
            }

            if (!round.Gateways.Add(upload.GatewayId))
            {
                final = "duplicate-round";
                return Reject(topicGatewayId, UploadOutcome.Duplicate, $"second upload from {upload.GatewayId} for round {upload.Round}");
            }

            if (!replaying && _store is not null)
            {
                // On disk before the handler returns, so before the gateway's PUBACK.
                _store.Journal(upload.UploadId, upload.Round, upload.GatewayId, payload);
            }

            try
            {
                // Weights in (0, 1] keep float32 sums of finite models finite (AggregationWeights).
                round.Accumulator.Add(upload.Model, upload.TotalSamples / AggregationWeights.UnitFor(_options.MaxTotalSamples), deltaScale);
            }
            catch (InvalidOperationException ex)
            {
                round.Gateways.Remove(upload.GatewayId);
                final = "invalid";
                return Reject(topicGatewayId, UploadOutcome.Invalid, ex.Message);
            }
            round.TotalSamples += upload.TotalSamples;
            round.UploadIds.Add(upload.UploadId);
            _applied.Add(upload.UploadId);
            final = UploadAck.Accepted;
        }

        if (deltaScale < 1)
        {
            Interlocked.Increment(ref _clipped);
            CloudLog.UploadClipped(_logger, upload.UploadId, upload.GatewayId, norm, _options.MaxUploadNorm);
        }

        CloudLog.UploadAccepted(_logger, upload.UploadId, upload.GatewayId, upload.Round, upload.TotalSamples);
        return UploadOutcome.Accepted;
    }

    /// <summary>Completes every pending round whose gateways are all in or whose deadline passed; returns the new globals in order.</summary>
    public IReadOnlyList<(ModelMessage Global, int Gateways)> CloseDue()
    {
        var published = new List<(ModelMessage, int)>();
        lock (_lock)
        {
            foreach (var (round, pending) in _pending.ToArray())
            {
                bool complete = IsComplete(pending);
                bool late = _time.GetElapsedTime(pending.FirstArrival) >= _options.SyncDeadline;
                if (!complete && !late)
                {
                    continue;
                }

                // Finite uploads can still overflow float32 once weighted and summed: such an aggregate is
                // not published; the round completes with the previous global model, as with no uploads.
                var model = pending.Accumulator.Complete();
                if (UpdateValidator.ValidateValues(model) is { IsAccepted: false } refused)
                {
                    Interlocked.Increment(ref _aggregatesRefused);
                    CloudLog.AggregateRefused(_logger, round, refused.Detail);
                    model = _global!.Model;
                }

                _global = new ModelMessage(_global!.ModelId, round, "cloud", pending.TotalSamples, _time.GetUtcNow(), model);
                published.Add((_global, pending.Gateways.Count));

                // Older pending rounds are superseded by this newer global model; their ids need no
                // remembering, since uploads at or below the global round are refused as stale.
                foreach (long older in _pending.Keys.Where(k => k <= round).ToArray())
                {
                    _applied.ExceptWith(_pending[older].UploadIds);
                    _pending.Remove(older);
                }

                _store?.SaveGlobal(_global);
            }
        }

        return published;
    }

    private bool IsComplete(PendingRound pending) => _options.ExpectedGateways > 0 && pending.Gateways.Count >= _options.ExpectedGateways;

    private UploadOutcome Reject(string gatewayId, UploadOutcome outcome, string detail)
    {
        lock (_lock)
        {
            _rejected[outcome.ToString()] = _rejected.GetValueOrDefault(outcome.ToString()) + 1;
        }

        CloudLog.UploadRejected(_logger, gatewayId, outcome.ToString(), detail);
        return outcome;
    }

    private sealed class PendingRound(IAggregationStrategy accumulator, ModelState reference, long firstArrival)
    {
        public IAggregationStrategy Accumulator { get; } = accumulator;

        /// <summary>The global model the round's uploads are averaged around (their changes are measured from it).</summary>
        public ModelState Reference { get; } = reference;

        public long FirstArrival { get; } = firstArrival;

        public HashSet<string> Gateways { get; } = new(StringComparer.Ordinal);

        public long TotalSamples { get; set; }

        public List<string> UploadIds { get; } = [];
    }
}
