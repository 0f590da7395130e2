using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EdgeFL.Core.Diagnostics;

namespace EdgeFL.Gateway;

/// <summary>
/// Counters of a gateway since it started: read by the service, the demo and the tests, and published as
/// the instruments of meter <c>EdgeFL.Gateway</c> (tag <c>edgefl.gateway.id</c> on the meter) when made
/// with an <see cref="IMeterFactory"/>. Counting is a few interlocked adds; docs/OPERATIONS.md lists the instruments.
/// </summary>
internal sealed class GatewayMetrics
{
    /// <summary>The meter tag naming the gateway.</summary>
    public const string GatewayIdTag = "edgefl.gateway.id";

    private const int MaxDevicePairs = 10_000;
    private readonly ConcurrentDictionary<(string Device, string Reason), long> _byDevice = new();
    private readonly Tally _accepted;
    private readonly Tally _declined;
    private readonly Tally _rounds;
    private readonly Tally _clipped;
    private readonly Tally _aggregatesRefused;
    private readonly Tally _lateHeld;
    private readonly Tally _lateFolded;
    private readonly Tally _samplesCapped;
    private readonly ReasonTally _rejected;
    private readonly ReasonTally _globalsRejected;
    private readonly ReasonTally _controlRejected;

    /// <summary>
    /// Counters of gateway <paramref name="gatewayId"/>; with <paramref name="meters"/> (the host's) they are
    /// also instruments of a meter of this gateway's own, without one they are only read in-process.
    /// </summary>
    public GatewayMetrics(IMeterFactory? meters = null, string gatewayId = "")
    {
        Meter = meters is null ? null : EdgeFlMeters.Create(meters, EdgeFlMeters.Gateway, new KeyValuePair<string, object?>(GatewayIdTag, gatewayId));
        _accepted = new Tally(Meter, "edgefl.gateway.updates.accepted", "{update}", "Device updates folded into a round's aggregate.");
        _rejected = new ReasonTally(Meter, "edgefl.gateway.updates.rejected", "{update}", "Device updates refused, by reason.");
        _clipped = new Tally(Meter, "edgefl.gateway.updates.clipped", "{update}", "Accepted updates whose change was scaled down to Gateway:Updates:MaxUpdateNorm.");
        _samplesCapped = new Tally(Meter, "edgefl.gateway.updates.samples_capped", "{update}", "Accepted updates weighted by Gateway:Updates:MaxSampleRatio x the fleet's median sample count instead of their claim.");
        _declined = new Tally(Meter, "edgefl.gateway.declines", "{decline}", "Round declines received from devices.");
        _rounds = new Tally(Meter, "edgefl.gateway.rounds", "{round}", "Rounds closed.");
        _aggregatesRefused = new Tally(Meter, "edgefl.gateway.aggregates.refused", "{round}", "Rounds whose aggregate was not finite and was not used (the model carried over).");
        _lateHeld = new Tally(Meter, "edgefl.gateway.updates.late_held", "{update}", "Device updates that arrived between rounds and were held for the next round.");
        _lateFolded = new Tally(Meter, "edgefl.gateway.updates.late_folded", "{update}", "Held late updates folded into the next round (also counted as accepted).");
        _controlRejected = new ReasonTally(Meter, "edgefl.gateway.control.rejected", "{message}", "Status, decline and telemetry messages refused (undecodable, or naming another device), by kind.");
        _globalsRejected = new ReasonTally(Meter, "edgefl.gateway.global_models.rejected", "{model}", "Global models from the cloud not taken, by reason.");
    }

    /// <summary>The meter the counters are published on; null when made without a meter factory.</summary>
    public Meter? Meter { get; }

    /// <summary>Each device's last admission outcome (the dashboard's "last update" column).</summary>
    public Observability.DeviceOutcomes Outcomes { get; } = new();

    /// <summary>Updates accepted into an aggregate.</summary>
    public long Accepted => _accepted.Value;

    /// <summary>Declines received.</summary>
    public long Declined => _declined.Value;

    /// <summary>Accepted updates whose change was clipped to Gateway:Updates:MaxUpdateNorm.</summary>
    public long Clipped => _clipped.Value;

    /// <summary>Rounds whose aggregate was not finite (float32 overflow) and was not used: the model carried over.</summary>
    public long AggregatesRefused => _aggregatesRefused.Value;

    /// <summary>Rounds closed.</summary>
    public long Rounds => _rounds.Value;

    /// <summary>Updates that arrived between rounds and were held for the next round.</summary>
    public long LateHeld => _lateHeld.Value;

    /// <summary>Held late updates folded into the next round (also in <see cref="Accepted"/>).</summary>
    public long LateFolded => _lateFolded.Value;
    /// <summary>Accepted updates whose sample count was capped (Gateway:Updates:MaxSampleRatio).</summary>
    public long SamplesCapped => _samplesCapped.Value;

    /// <summary>Refused status, decline and telemetry messages by kind.</summary>
    public IReadOnlyDictionary<string, long> ControlRejectedByKind => _controlRejected.ByReason;

    /// <summary>Counts a refused control message of <paramref name="kind"/>.</summary>
    public void CountControlRejected(string kind) => _controlRejected.Add(kind);

    /// <summary>Counts an update whose sample count was capped.</summary>
    public void CountSamplesCapped() => _samplesCapped.Add();

    /// <summary>Rejected updates by reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejected.ByReason;

    /// <summary>Total rejected updates.</summary>
    public long Rejected => _rejected.Total;

    /// <summary>Rejected updates by device and reason (bounded: past 10,000 pairs new ones count under device "*"); not a metric.</summary>
    public IReadOnlyDictionary<(string Device, string Reason), long> RejectedByDevice => new Dictionary<(string, string), long>(_byDevice);

    /// <summary>Global models from the cloud not taken, by reason: a signature verdict (Unsigned, BadSignature, ...), TooLarge or a decode error.</summary>
    public IReadOnlyDictionary<string, long> GlobalModelsRejectedByReason => _globalsRejected.ByReason;

    /// <summary>Total global models not taken.</summary>
    public long GlobalModelsRejected => _globalsRejected.Total;

    /// <summary>An update was folded into its round's aggregate.</summary>
    public void CountAccepted() => _accepted.Add();

    /// <summary>The update of <paramref name="senderId"/> for <paramref name="round"/> was folded into its round's aggregate.</summary>
    public void CountAccepted(string senderId, long round)
    {
        _accepted.Add();
        Outcomes.Record(senderId, round, "accepted");
    }

    /// <summary>A device declined a round.</summary>
    public void CountDeclined() => _declined.Add();

    /// <summary>A round's aggregate was not finite and was not used.</summary>
    public void CountAggregateRefused() => _aggregatesRefused.Add();

    /// <summary>An accepted update's change was scaled down to the norm bound.</summary>
    public void CountClipped() => _clipped.Add();

    /// <summary>An update arrived between rounds and was held for the next.</summary>
    public void CountLateHeld() => _lateHeld.Add();

    /// <summary>A held late update was folded into the next round.</summary>
    public void CountLateFolded() => _lateFolded.Add();

    /// <summary>A round closed.</summary>
    public void CountRound() => _rounds.Add();

    /// <summary>An update was refused, for <paramref name="reason"/> (a bounded word).</summary>
    public void CountRejected(string reason, string? senderId = null)
    {
        _rejected.Add(reason);
        if (senderId is not null)
        {
            Outcomes.Record(senderId, -1, reason);
            // Count takes every lock of the table: asked only for a pair not seen before.
            var key = _byDevice.ContainsKey((senderId, reason)) || _byDevice.Count < MaxDevicePairs ? (senderId, reason) : ("*", reason);
            _byDevice.AddOrUpdate(key, 1, (_, n) => n + 1);
        }
    }

    /// <summary>A global model from the cloud was not taken; <paramref name="reason"/> is a signature verdict or a decode error.</summary>
    public void CountGlobalRejected(string reason) => _globalsRejected.Add(reason);
}
