using System.Diagnostics.Metrics;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Rounds;

namespace EdgeFL.CloudBridge;

/// <summary>
/// Counters of the cloud aggregator since it started: read by the service, the demo and the tests, and
/// published as the instruments of meter <c>EdgeFL.Cloud</c> when made with an <see cref="IMeterFactory"/>.
/// Counting is one interlocked add; docs/OPERATIONS.md lists the instruments.
/// </summary>
internal sealed class CloudMetrics
{
    private readonly Tally _accepted;
    private readonly ReasonTally _rejected;
    private readonly Tally _clipped;
    private readonly Tally _aggregatesRefused;
    private readonly Tally _globalsPublished;
    private readonly Tally _roundsCapped;
    private readonly Tally _closedWithoutAbsent;
    private readonly ReasonTally _upperRejected;

    /// <summary>The cloud's counters; with <paramref name="meters"/> (the host's) they are also instruments, without one only read in-process.</summary>
    public CloudMetrics(IMeterFactory? meters = null)
    {
        Meter = meters is null ? null : EdgeFlMeters.Create(meters, EdgeFlMeters.Cloud);
        _accepted = new Tally(Meter, "edgefl.cloud.uploads.accepted", "{upload}", "Gateway uploads folded into a sync round's aggregate.");
        _rejected = new ReasonTally(Meter, "edgefl.cloud.uploads.rejected", "{upload}", "Gateway uploads refused, by reason (an AdmissionOutcome).");
        _clipped = new Tally(Meter, "edgefl.cloud.uploads.clipped", "{upload}", "Accepted uploads whose change was scaled down to Cloud:MaxUploadNorm.");
        _aggregatesRefused = new Tally(Meter, "edgefl.cloud.aggregates.refused", "{round}", "Sync rounds whose aggregate was not finite and was replaced by the previous global model.");
        _globalsPublished = new Tally(Meter, "edgefl.cloud.global_models.published", "{model}", "Global models produced by closing a sync round.");
        _closedWithoutAbsent = new Tally(Meter, "edgefl.cloud.syncs.closed_without_absent", "{round}", "Sync rounds closed before Cloud:SyncDeadline without the expected gateways known not to upload (offline, idle, last will).");
        _roundsCapped = new Tally(Meter, "edgefl.cloud.uploads.round_capped", "{upload}", "Uploads naming a round beyond the global round + Cloud:MaxRoundLead, folded into that round instead.");
        _upperRejected = new ReasonTally(Meter, "edgefl.cloud.upper_global_models.rejected", "{model}", "A region: global models from the tier above refused, by reason (signature, size, decoding).");
    }

    /// <summary>The meter the counters are published on; null when made without a meter factory.</summary>
    public Meter? Meter { get; }

    /// <summary>Uploads accepted into a sync round.</summary>
    public long Accepted => _accepted.Value;

    /// <summary>Rejected uploads by reason (an <see cref="AdmissionOutcome"/> name).</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejected.ByReason;

    /// <summary>Total rejected uploads.</summary>
    public long Rejected => _rejected.Total;

    /// <summary>Uploads accepted with their change clipped to Cloud:MaxUploadNorm.</summary>
    public long Clipped => _clipped.Value;

    /// <summary>Sync rounds whose aggregate was not finite (float32 overflow) and was replaced by the previous global model.</summary>
    public long AggregatesRefused => _aggregatesRefused.Value;

    /// <summary>Global models produced (sync rounds closed).</summary>
    public long GlobalsPublished => _globalsPublished.Value;

    /// <summary>Uploads whose round was beyond the global round + Cloud:MaxRoundLead (folded into that round).</summary>
    public long RoundsCapped => _roundsCapped.Value;

    /// <summary>An update was folded into its round's aggregate.</summary>
    public void CountAccepted() => _accepted.Add();

    /// <summary>An update was refused, for <paramref name="reason"/> (a bounded word).</summary>
    /// <remarks>The gateway id is not kept: the cloud's log names it.</remarks>
    public void CountRejected(string reason, string? senderId = null) => _rejected.Add(reason);

    /// <summary>An upload was refused with <paramref name="outcome"/>.</summary>
    public void CountRejected(AdmissionOutcome outcome) => _rejected.Add(outcome.ToString());

    /// <summary>An accepted update's change was scaled down to the norm bound.</summary>
    public void CountClipped() => _clipped.Add();

    /// <summary>A round's aggregate was not finite and was not used.</summary>
    public void CountAggregateRefused() => _aggregatesRefused.Add();

    /// <summary>A round closed.</summary>
    /// <remarks>At the cloud a round closing is a global model produced.</remarks>
    public void CountRound() => _globalsPublished.Add();

    /// <summary>Sync rounds closed early without the gateways known not to upload.</summary>
    public long ClosedWithoutAbsent => _closedWithoutAbsent.Value;

    /// <summary>Counts a sync round closed early without the gateways known not to upload.</summary>
    public void CountClosedWithoutAbsent() => _closedWithoutAbsent.Add();

    /// <summary>Counts an upload whose round was capped at the global round + Cloud:MaxRoundLead.</summary>
    public void CountRoundCapped() => _roundsCapped.Add();

    /// <summary>A region: a global model of the tier above refused (<paramref name="reason"/>: Unsigned, BadSignature, ...).</summary>
    public void CountUpperGlobalRejected(string reason) => _upperRejected.Add(reason);

    /// <summary>A region: global models of the tier above refused, by reason.</summary>
    public IReadOnlyDictionary<string, long> UpperGlobalsRejected => _upperRejected.ByReason;
}
