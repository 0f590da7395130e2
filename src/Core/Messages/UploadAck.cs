namespace EdgeFL.Core.Messages;

/// <summary>
/// The cloud's end-to-end answer to one gateway upload, sent after the upload was journaled (or found
/// applied already, or refused for good): the gateway keeps an upload in its outbox until this arrives,
/// since a broker's PUBACK only says the broker took it.
/// </summary>
/// <param name="GatewayId">The gateway that sent the upload.</param>
/// <param name="UploadId">The upload's id.</param>
/// <param name="Round">The upload's sync round.</param>
/// <param name="Outcome">What became of it: <c>"accepted"</c>, <c>"duplicate"</c> (applied before), or the reason it was refused for good.</param>
public sealed record UploadAck(string GatewayId, string UploadId, long Round, string Outcome)
{
    /// <summary>The outcome of an upload folded into its sync round now.</summary>
    public const string Accepted = "accepted";

    /// <summary>The outcome of an upload whose id was applied before.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>True when the cloud has the upload's contribution (now or before); false when it refused it for good.</summary>
    public bool IsApplied => Outcome is Accepted or Duplicate;
}
