using System.Buffers;
using System.Runtime.ExceptionServices;
using EdgeFL.Core.Rounds;

namespace EdgeFL.Storage;

/// <summary>
/// The rounds' journal over a <see cref="StateDatabase"/>'s <see cref="Journal"/> table, with group commit:
/// contributions appended at the same time are written in one transaction, so they share one sync
/// instead of waiting for one each. Every caller returns only once its own row is committed.
/// </summary>
/// <remarks>
/// The first caller to find no write in progress leads: it takes every append queued so far and commits
/// them together; those who arrive meanwhile wait, and one of them leads the next batch. A caller's payload
/// is only read while that caller waits in <see cref="Append"/>, so borrowed buffers stay valid. A failed
/// commit fails every append of its batch.
/// </remarks>
public sealed class SqliteRoundJournal(StateDatabase db) : IRoundJournal
{
    private readonly object _gate = new();
    private List<Pending> _queued = [];
    private bool _writing;

    /// <inheritdoc />
    public bool IsDurable => db.IsDurable;

    /// <summary>Transactions committed (each holding one or more appends).</summary>
    public long Commits { get; private set; }

    /// <inheritdoc />
    public void Append(long round, Contribution contribution, ReadOnlySequence<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        var mine = new Pending(round, contribution.SenderId, contribution.Id, payload);
        List<Pending> batch;
        lock (_gate)
        {
            _queued.Add(mine);
            while (_writing && !mine.Done)
            {
                Monitor.Wait(_gate);
            }

            if (mine.Done)
            {
                mine.Error?.Throw();
                return;
            }

            _writing = true;
            batch = _queued;
            _queued = [];
        }

        ExceptionDispatchInfo? error = null;
        try
        {
            db.InTransaction((c, tx) =>
            {
                foreach (var p in batch)
                {
                    Journal.Append(c, tx, p.Round, p.Sender, p.Id, p.Payload);
                }
            });
        }
#pragma warning disable CA1031 // handed to every caller of the batch, each of which rethrows it
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ExceptionDispatchInfo.Capture(ex);
        }

        lock (_gate)
        {
            Commits++;
            foreach (var p in batch)
            {
                p.Done = true;
                p.Error = error;
            }

            _writing = false;
            Monitor.PulseAll(_gate);
        }

        error?.Throw();
    }

    private sealed class Pending(long round, string sender, string id, ReadOnlySequence<byte> payload)
    {
        public long Round { get; } = round;

        public string Sender { get; } = sender;

        public string Id { get; } = id;

        public ReadOnlySequence<byte> Payload { get; } = payload;

        public bool Done { get; set; }

        public ExceptionDispatchInfo? Error { get; set; }
    }
}
