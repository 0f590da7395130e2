using EdgeFL.Core.Messages;
using EdgeFL.Core.Rounds;

namespace EdgeFL.Gateway.State;

/// <summary>What a gateway finds on disk at start: its model and counters, and the round it had open, with the updates it had accepted.</summary>
internal sealed record GatewaySnapshot(
    ModelMessage Model,
    long Version,
    long LastAdoptedGlobal,
    long SamplesSinceSync,
    long? OpenRound,
    DateTimeOffset? OpenIssuedAt,
    IReadOnlyList<JournaledContribution> Journal);
