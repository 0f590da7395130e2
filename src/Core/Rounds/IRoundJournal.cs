using System.Buffers;

namespace EdgeFL.Core.Rounds;

/// <summary>
/// Where admitted contributions are written before their sender is acknowledged, so that a restart can
/// fold them back (<see cref="RoundBook.Replay"/>). Implemented over SQLite in EdgeFL.Storage.
/// </summary>
public interface IRoundJournal
{
    /// <summary>True when what is written survives the process.</summary>
    bool IsDurable { get; }

    /// <summary>Writes one admitted contribution's payload for <paramref name="round"/>, durably, before returning.</summary>
    void Append(long round, Contribution contribution, ReadOnlySequence<byte> payload);
}
