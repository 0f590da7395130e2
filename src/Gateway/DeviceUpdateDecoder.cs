using System.Buffers;
using EdgeFL.Core.Rounds;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;

namespace EdgeFL.Gateway;

/// <summary>Reads a device's update message as a round contribution (id "device@round").</summary>
internal static class DeviceUpdateDecoder
{
    public static ContributionDecoder For(DecodeLimits limits, UpdateValidator validator) =>
        (ReadOnlySequence<byte> payload, out Contribution? contribution, out string error) =>
        {
            contribution = null;
            if (!WireCodec.TryDecodeUpdate(payload, limits, out var update, out var wireError))
            {
                error = wireError.ToString();
                return false;
            }

            error = "";
            contribution = new Contribution(update!.DeviceId, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{update.DeviceId}@{update.Round}"), update.Round, update.SampleCount, update.Model)
            {
                Loss = update.Loss,
                EnergyMah = update.EnergyMah,
                Fields = validator.CheckFields(update),
            };
            return true;
        };
}
