using System.Diagnostics.Metrics;
using EdgeFL.Core.Diagnostics;

namespace EdgeFL.Messaging.Chunking;

/// <summary>
/// Counters of one <see cref="ChunkAssembler"/>, published as instruments <c>{prefix}.chunks.*</c> and
/// <c>{prefix}.chunk_transfers.*</c> of the service's meter when there is one (docs/OPERATIONS.md, "Metrics").
/// </summary>
public sealed class ChunkMetrics
{
    private readonly Tally _received;
    private readonly Tally _duplicates;
    private readonly ReasonTally _rejected;
    private readonly Tally _completed;
    private readonly ReasonTally _failed;

    /// <summary>Counters with instrument names under <paramref name="prefix"/> (e.g. <c>edgefl.cloud</c>) on <paramref name="meter"/>, if any.</summary>
    public ChunkMetrics(Meter? meter, string prefix, Func<int> open, Func<long> pendingBytes)
    {
        _received = new Tally(meter, $"{prefix}.chunks.received", "{chunk}", "Chunks written to their transfer's reassembly file.");
        _duplicates = new Tally(meter, $"{prefix}.chunks.duplicate", "{chunk}", "Chunks that arrived again for a transfer that already had them, or after it completed; ignored.");
        _rejected = new ReasonTally(meter, $"{prefix}.chunks.rejected", "{chunk}", "Chunks dropped, by reason (a ChunkRejection).");
        _completed = new Tally(meter, $"{prefix}.chunk_transfers.completed", "{transfer}", "Chunked transfers reassembled, SHA-256 verified and handed on.");
        _failed = new ReasonTally(meter, $"{prefix}.chunk_transfers.failed", "{transfer}", "Started chunked transfers dropped, by reason (a TransferFailure).");
        meter?.CreateObservableGauge($"{prefix}.chunk_transfers.open", open, "{transfer}", "Incomplete chunked transfers held now.");
        meter?.CreateObservableGauge($"{prefix}.chunk_transfers.pending_bytes", pendingBytes, "By", "Declared bytes of the incomplete transfers held now (on disk, not in memory).");
    }

    /// <summary>Chunks written.</summary>
    public long Received => _received.Value;

    /// <summary>Duplicate chunks ignored.</summary>
    public long Duplicates => _duplicates.Value;

    /// <summary>Chunks dropped, by reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejected.ByReason;

    /// <summary>Transfers completed and verified.</summary>
    public long Completed => _completed.Value;

    /// <summary>Transfers dropped, by reason.</summary>
    public IReadOnlyDictionary<string, long> FailedByReason => _failed.ByReason;

    /// <summary>Chunks dropped for <paramref name="reason"/>.</summary>
    public long RejectedFor(ChunkRejection reason) => _rejected.Of(reason.ToString());

    /// <summary>Transfers dropped for <paramref name="reason"/>.</summary>
    public long FailedFor(TransferFailure reason) => _failed.Of(reason.ToString());

    internal void CountReceived() => _received.Add();

    internal void CountDuplicate() => _duplicates.Add();

    internal void CountRejected(ChunkRejection reason) => _rejected.Add(reason.ToString());

    internal void CountCompleted() => _completed.Add();

    internal void CountFailed(TransferFailure reason) => _failed.Add(reason.ToString());
}
