using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;

namespace EdgeFL.Core.Rounds;

/// <summary>
/// One model offered to a round, whatever the tier: a device's update at a gateway, a gateway's upload at
/// the cloud. The model may borrow the payload buffer (zero-copy decoding): it is valid during admission only.
/// </summary>
/// <param name="SenderId">Who sent it (device or gateway id), checked against the topic.</param>
/// <param name="Id">Unique id of this contribution (for the cloud the upload id; for a gateway "device@round").</param>
/// <param name="Round">The round it was trained for (device) or closes (gateway upload).</param>
/// <param name="SampleCount">The samples behind it: its FedAvg weight.</param>
/// <param name="Model">The trained model (full state, not a delta).</param>
public sealed record Contribution(string SenderId, string Id, long Round, long SampleCount, ModelState Model)
{
    /// <summary>Mean training loss, when the sender reports one (NaN otherwise).</summary>
    public double Loss { get; init; } = double.NaN;

    /// <summary>Energy spent producing it, in mAh (0 when not reported).</summary>
    public double EnergyMah { get; init; }

    /// <summary>The sender's scalar fields as checked at decoding (ids, loss, durations); a refusal makes the contribution Invalid.</summary>
    public ValidationResult Fields { get; init; } = ValidationResult.Accepted;
}
