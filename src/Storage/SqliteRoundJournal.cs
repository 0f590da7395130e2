using System.Buffers;
using EdgeFL.Core.Rounds;

namespace EdgeFL.Storage;

/// <summary>The rounds' journal over a <see cref="StateDatabase"/>'s <see cref="Journal"/> table: one committed, synced transaction per admitted contribution.</summary>
public sealed class SqliteRoundJournal(StateDatabase db) : IRoundJournal
{
    /// <inheritdoc />
    public bool IsDurable => db.IsDurable;

    /// <inheritdoc />
    public void Append(long round, Contribution contribution, ReadOnlySequence<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        db.InTransaction((c, tx) => Journal.Append(c, tx, round, contribution.SenderId, contribution.Id, payload));
    }
}
