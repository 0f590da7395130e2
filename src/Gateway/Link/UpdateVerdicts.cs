using EdgeFL.Core.Rounds;
using EdgeFL.Messaging;

namespace EdgeFL.Gateway.Link;

/// <summary>
/// What a device is told in the PUBACK of its update (docs/PROTOCOL.md, "PUBACK reason codes"): taken
/// (accepted, held for the next round as a late update, or a duplicate of one accepted), keep it and send it again (no round open yet, as after a
/// restart before the round is reopened; the state's disk full), or refused for good; the reason string
/// is <c>"{outcome}: {detail}"</c>.
/// </summary>
internal static class UpdateVerdicts
{
    public static ConsumerVerdict For(AdmissionResult result)
    {
        var answer = result.Outcome switch
        {
            AdmissionOutcome.Accepted or AdmissionOutcome.Duplicate or AdmissionOutcome.Held => ConsumerAnswer.Taken,
            AdmissionOutcome.NoOpenRound or AdmissionOutcome.Unavailable => ConsumerAnswer.Keep,
            AdmissionOutcome.Malformed => ConsumerAnswer.Malformed,
            _ => ConsumerAnswer.Refused,
        };
        string reason = result.Outcome == AdmissionOutcome.Accepted ? "" : $"{result.Outcome}: {result.Detail}";
        return new ConsumerVerdict(answer, reason);
    }
}
