using System.Buffers;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;

namespace EdgeFL.CloudBridge;

/// <summary>Reads a gateway's upload message as a round contribution (its id is the upload id).</summary>
internal static class GatewayUploadDecoder
{
    public static ContributionDecoder For(DecodeLimits limits) =>
        (ReadOnlySequence<byte> payload, out Contribution? contribution, out string error) =>
        {
            contribution = null;
            if (!WireCodec.TryDecodeUpload(payload, limits, out var upload, out var wireError))
            {
                error = wireError.ToString();
                return false;
            }

            error = "";
            contribution = new Contribution(upload!.GatewayId, upload.UploadId, upload.Round, upload.TotalSamples, upload.Model)
            {
                // Its global model would leave gateways no next round, and the cloud no newer upload.
                Fields = upload.Round >= RoundNumbers.Max
                    ? ValidationResult.Reject(RejectReason.WrongRound, $"round {upload.Round} leaves no next round")
                    : ValidationResult.Accepted,
            };
            return true;
        };
}
