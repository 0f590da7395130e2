using System.Buffers;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeFL.Messaging.Chunking;

/// <summary>
/// Reassembles chunked messages (docs/PROTOCOL.md 6.4) arriving on a subscription: each transfer, keyed by topic and
/// transfer id, is written chunk by chunk into a reassembly file of its own (unlinked at once, so nothing outlives
/// the process), in any order, duplicates ignored; once every chunk is in, the whole is read back into one array,
/// its SHA-256 checked, and handed to the subscription's handler as if it had arrived in one piece. Memory per
/// incomplete transfer is a bitmap; only a completed whole is held in memory, while its handler runs.
/// </summary>
/// <remarks>
/// Bounds (<see cref="ChunkingOptions"/>): a whole over the receiver's own limit is refused on its first chunk;
/// transfers beyond <see cref="ChunkingOptions.MaxTransfers"/> or <see cref="ChunkingOptions.MaxPendingBytes"/> are
/// refused; a sender's transfers beyond <see cref="ChunkingOptions.MaxTransfersPerSender"/> supersede its oldest;
/// a transfer idle for <see cref="ChunkingOptions.TransferTimeout"/> is dropped. Everything is counted
/// (<see cref="Metrics"/>) and logged at most 5 lines a minute per reason.
/// </remarks>
public sealed class ChunkAssembler : IDisposable
{
    private const int FinishedMemory = 4096;

    private readonly ChunkingOptions _options;
    private readonly long _maxMessageBytes;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RejectionLogLimiter _logLimiter;
    private readonly Dictionary<(string Topic, string Id), Transfer> _transfers = [];
    private readonly HashSet<(string Topic, string Id)> _finished = [];
    private readonly Queue<(string Topic, string Id)> _finishedOrder = new();
    private readonly Lock _lock = new();
    private readonly ITimer _sweeper;
    private readonly string _directory;
    private long _pendingBytes;
    private long _sequence;

    /// <summary>
    /// An assembler for wholes of at most <paramref name="maxMessageBytes"/> (the receiver's limit for the
    /// unchunked message, e.g. <c>Cloud:MaxUploadBytes</c>), counting under <paramref name="metricPrefix"/> on <paramref name="meter"/>.
    /// </summary>
    public ChunkAssembler(ChunkingOptions options, long maxMessageBytes, ILogger logger, Meter? meter = null, string metricPrefix = "edgefl", TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _maxMessageBytes = maxMessageBytes;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _logLimiter = new RejectionLogLimiter(_time);
        _directory = string.IsNullOrEmpty(options.Directory) ? Path.GetTempPath() : options.Directory;
        Metrics = new ChunkMetrics(meter, metricPrefix, () => OpenTransfers, () => PendingBytes);
        var period = TimeSpan.FromTicks(Math.Clamp(options.TransferTimeout.Ticks / 4, TimeSpan.TicksPerSecond / 4, TimeSpan.TicksPerSecond * 10));
        _sweeper = _time.CreateTimer(static s => ((ChunkAssembler)s!).ExpireStale(), this, period, period);
    }

    /// <summary>The assembler's counters.</summary>
    public ChunkMetrics Metrics { get; }

    /// <summary>Incomplete transfers held now.</summary>
    public int OpenTransfers
    {
        get { lock (_lock) { return _transfers.Count; } }
    }

    /// <summary>Declared bytes of the incomplete transfers held now.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>
    /// A subscription handler that passes whole messages to <paramref name="handler"/> unchanged, and collects chunk
    /// messages until their whole is complete and verified, then passes the whole (never retained) to it.
    /// </summary>
    public Func<InboundMessage, CancellationToken, Task> Wrap(Func<InboundMessage, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return (message, cancellationToken) =>
        {
            if (!ChunkCodec.IsChunk(message.Payload))
            {
                return handler(message, cancellationToken);
            }

            byte[]? whole = Take(message.Topic, message.Payload);
            return whole is null ? Task.CompletedTask : handler(new InboundMessage(message.Topic, new ReadOnlySequence<byte>(whole), Retain: false), cancellationToken);
        };
    }

    /// <summary>Takes one chunk message received on <paramref name="topic"/>; returns the whole once it is complete and verified, else null.</summary>
    public byte[]? Take(string topic, ReadOnlySequence<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!ChunkCodec.TryDecode(payload, out var chunk, out var error))
        {
            Reject(topic, error.Reason == WireErrorReason.BadChunk ? ChunkRejection.CorruptChunk : ChunkRejection.Malformed, error.Detail);
            return null;
        }

        return Take(topic, chunk!);
    }

    /// <summary>Drops every incomplete transfer idle for longer than <see cref="ChunkingOptions.TransferTimeout"/>; returns how many (the sweeper's timer calls it).</summary>
    public int ExpireStale()
    {
        List<Transfer> expired = [];
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            foreach (var t in _transfers.Values)
            {
                if (_time.GetElapsedTime(t.LastActivity, now) >= _options.TransferTimeout)
                {
                    expired.Add(t);
                }
            }

            foreach (var t in expired)
            {
                Drop(t, TransferFailure.TimedOut);
            }
        }

        return expired.Count;
    }

    /// <summary>Drops every incomplete transfer (their files go with them).</summary>
    public void Dispose()
    {
        _sweeper.Dispose();
        lock (_lock)
        {
            foreach (var t in _transfers.Values)
            {
                t.Dispose();
            }

            _transfers.Clear();
            Interlocked.Exchange(ref _pendingBytes, 0);
        }
    }

    /// <summary>As <see cref="Take(string, ReadOnlySequence{byte})"/>, for a chunk the caller decoded and checked (<see cref="ChunkCodec.TryDecode"/>).</summary>
    public byte[]? Take(string topic, ChunkMessage chunk)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(chunk);
        var key = (topic, chunk.TransferId);
        Transfer? complete;
        lock (_lock)
        {
            if (_finished.Contains(key))
            {
                Metrics.CountDuplicate();
                return null;
            }

            if (!_transfers.TryGetValue(key, out var transfer))
            {
                transfer = Start(topic, chunk);
                if (transfer is null)
                {
                    return null;
                }
            }
            else if (transfer.TotalLength != chunk.TotalLength || transfer.Count != chunk.Count || transfer.ChunkSize != chunk.ChunkSize || !chunk.Sha256.Span.SequenceEqual(transfer.Sha256))
            {
                Reject(topic, ChunkRejection.Inconsistent, $"chunk {chunk.Index} of transfer {chunk.TransferId} disagrees with its first chunk on len, n, cs or sha256");
                return null;
            }

            transfer.LastActivity = _time.GetTimestamp();
            if (transfer.Has(chunk.Index))
            {
                Metrics.CountDuplicate();
                return null;
            }

            try
            {
                RandomAccess.Write(transfer.File, chunk.Data.Span, chunk.Offset);
            }
            catch (IOException e)
            {
                Reject(topic, ChunkRejection.DiskError, e.Message);
                Drop(transfer, TransferFailure.DiskError);
                return null;
            }

            transfer.Mark(chunk.Index);
            Metrics.CountReceived();
            if (transfer.Received < transfer.Count)
            {
                return null;
            }

            // Complete: it leaves the table now, so the file is read back outside the lock.
            Remove(transfer);
            Remember(key);
            complete = transfer;
        }

        using (complete)
        {
            return Finish(complete);
        }
    }

    /// <summary>Under the lock: a new transfer for <paramref name="chunk"/>, or null when refused.</summary>
    private Transfer? Start(string topic, ChunkMessage chunk)
    {
        if (chunk.TotalLength > _maxMessageBytes)
        {
            Reject(topic, ChunkRejection.TooLarge, $"transfer {chunk.TransferId} is {chunk.TotalLength} bytes, over the receiver's {_maxMessageBytes}");
            return null;
        }

        var mine = _transfers.Values.Where(t => t.Topic == topic).OrderBy(t => t.Sequence).ToList();
        for (int i = 0; i <= mine.Count - _options.MaxTransfersPerSender; i++)
        {
            Drop(mine[i], TransferFailure.Superseded);
        }

        if (_transfers.Count >= _options.MaxTransfers || _pendingBytes + chunk.TotalLength > _options.MaxPendingBytes)
        {
            Reject(topic, ChunkRejection.Busy, $"{_transfers.Count} transfers of {_pendingBytes} bytes held (limits {_options.MaxTransfers}, {_options.MaxPendingBytes} bytes)");
            return null;
        }

        SafeFileHandle file;
        try
        {
            file = OpenUnlinked();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Reject(topic, ChunkRejection.DiskError, e.Message);
            return null;
        }

        var transfer = new Transfer(topic, chunk, file, ++_sequence, _time.GetTimestamp());
        _transfers.Add((topic, chunk.TransferId), transfer);
        Interlocked.Add(ref _pendingBytes, transfer.TotalLength);
        return transfer;
    }

    /// <summary>Reads a complete transfer's file into one array and checks its SHA-256; null (counted) when it does not match.</summary>
    private byte[]? Finish(Transfer transfer)
    {
        byte[] whole = GC.AllocateUninitializedArray<byte>(checked((int)transfer.TotalLength));
        try
        {
            int read = 0;
            while (read < whole.Length)
            {
                int n = RandomAccess.Read(transfer.File, whole.AsSpan(read), read);
                if (n <= 0)
                {
                    throw new IOException($"the reassembly file of transfer {transfer.Id} ended after {read} of {whole.Length} bytes");
                }

                read += n;
            }
        }
        catch (IOException)
        {
            Fail(transfer, TransferFailure.DiskError);
            return null;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(whole, hash);
        if (!hash.SequenceEqual(transfer.Sha256))
        {
            Fail(transfer, TransferFailure.HashMismatch);
            return null;
        }

        Metrics.CountCompleted();
        ChunkLog.Completed(_logger, transfer.Id, transfer.Topic, transfer.TotalLength, transfer.Count);
        return whole;
    }

    private SafeFileHandle OpenUnlinked()
    {
        string path = Path.Combine(_directory, $"edgefl-chunks-{Environment.ProcessId}-{Guid.NewGuid():N}.part");
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        if (!OperatingSystem.IsWindows())
        {
            // The open handle keeps the bytes; no name is left for a crash to leave behind.
            File.Delete(path);
        }

        return handle;
    }

    /// <summary>Under the lock: drops an incomplete transfer, counting why.</summary>
    private void Drop(Transfer transfer, TransferFailure reason)
    {
        Remove(transfer);
        Remember((transfer.Topic, transfer.Id));
        transfer.Dispose();
        Fail(transfer, reason);
    }

    private void Remove(Transfer transfer)
    {
        if (_transfers.Remove((transfer.Topic, transfer.Id)))
        {
            Interlocked.Add(ref _pendingBytes, -transfer.TotalLength);
        }
    }

    private void Remember((string Topic, string Id) key)
    {
        if (_finished.Add(key))
        {
            _finishedOrder.Enqueue(key);
            if (_finishedOrder.Count > FinishedMemory)
            {
                _finished.Remove(_finishedOrder.Dequeue());
            }
        }
    }

    private void Fail(Transfer transfer, TransferFailure reason)
    {
        Metrics.CountFailed(reason);
        if (_logLimiter.ShouldLog("transfer:" + reason, out long suppressed))
        {
            ChunkLog.TransferFailed(_logger, transfer.Id, transfer.Topic, reason, transfer.Received, transfer.Count, suppressed);
        }
    }

    private void Reject(string topic, ChunkRejection reason, string detail)
    {
        Metrics.CountRejected(reason);
        if (_logLimiter.ShouldLog("chunk:" + reason, out long suppressed))
        {
            ChunkLog.ChunkRejected(_logger, topic, reason, detail, suppressed);
        }
    }

    /// <summary>One incomplete transfer: its header, its file, which chunks are in.</summary>
    private sealed class Transfer(string topic, ChunkMessage first, SafeFileHandle file, long sequence, long started) : IDisposable
    {
        private readonly ulong[] _have = new ulong[(first.Count + 63) / 64];

        public string Topic { get; } = topic;

        public string Id { get; } = first.TransferId;

        public long TotalLength { get; } = first.TotalLength;

        public int Count { get; } = first.Count;

        public int ChunkSize { get; } = first.ChunkSize;

        public byte[] Sha256 { get; } = first.Sha256.ToArray();

        public SafeFileHandle File { get; } = file;

        public long Sequence { get; } = sequence;

        public long LastActivity { get; set; } = started;

        public int Received { get; private set; }

        public bool Has(int index) => (_have[index >> 6] & (1UL << (index & 63))) != 0;

        public void Mark(int index)
        {
            _have[index >> 6] |= 1UL << (index & 63);
            Received++;
        }

        public void Dispose() => File.Dispose();
    }
}
