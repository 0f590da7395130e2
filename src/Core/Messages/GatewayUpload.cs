using EdgeFL.Core.Models;

namespace EdgeFL.Core.Messages;

/// <summary>A gateway's edge model sent up to the cloud aggregator.</summary>
/// <param name="GatewayId">The uploading gateway.</param>
/// <param name="UploadId">Unique id <c>"{GatewayId}:{Incarnation}:{Sequence}"</c>, used by the cloud to drop duplicates.</param>
/// <param name="Sequence">The gateway's monotonically increasing upload counter.</param>
/// <param name="ModelId">Identifies the model architecture/experiment.</param>
/// <param name="Round">The edge round the model closes.</param>
/// <param name="TotalSamples">Device samples aggregated into this model (the cloud's FedAvg weight).</param>
/// <param name="CreatedAt">When the upload was produced (millisecond precision on the wire).</param>
/// <param name="Model">The edge model; after decoding it may borrow the payload buffer.</param>
public sealed record GatewayUpload(
    string GatewayId,
    string UploadId,
    long Sequence,
    string ModelId,
    long Round,
    long TotalSamples,
    DateTimeOffset CreatedAt,
    ModelState Model)
{
    /// <summary>An upload id for a gateway and sequence number alone (unique only while the gateway keeps its counter).</summary>
    public static string MakeUploadId(string gatewayId, long sequence) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{gatewayId}:{sequence}");

    /// <summary>
    /// The canonical upload id: the gateway, the incarnation of its state (a random value drawn when its
    /// state is created, so a lost or discarded state file cannot make ids repeat) and the sequence number.
    /// </summary>
    public static string MakeUploadId(string gatewayId, string incarnation, long sequence) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{gatewayId}:{incarnation}:{sequence}");
}
