using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;

namespace EdgeFL.Cli.Inspect;

/// <summary>Decodes a payload (a model file, a stored model, a journaled update, a queued upload) into a <see cref="MessageSummary"/>.</summary>
internal static class MessageInspector
{
    /// <summary>
    /// The summary of <paramref name="payload"/> when it is an EdgeFL wire message; its signature is
    /// checked when <paramref name="verifier"/> is given. False with the decoder's reason otherwise.
    /// </summary>
    public static bool TryDescribe(byte[] payload, ModelVerifier? verifier, [NotNullWhen(true)] out MessageSummary? summary, out WireError error)
    {
        ArgumentNullException.ThrowIfNull(payload);
        summary = null;
        var sequence = new ReadOnlySequence<byte>(payload);
        var limits = DecodeLimits.Default;
        if (!WireCodec.TryPeekType(sequence, limits, out var type, out error))
        {
            return false;
        }

        IReadOnlyList<MessageField> fields;
        ModelState? model;
        switch (type)
        {
            case WireMessageType.Model when WireCodec.TryDecodeModel(sequence, limits, out var m, out error):
                fields = [
                    new("modelId", "model id", m!.ModelId),
                    new("round", "round", m.Round),
                    new("origin", "origin", m.Source),
                    new("totalSamples", "total samples", m.TotalSamples),
                    new("issuedAt", "issued at", m.IssuedAt),
                    new("selected", "selected devices", m.Selected, m.Selected is null ? "every device" : string.Join(", ", m.Selected)),
                ];
                model = m.Model;
                break;
            case WireMessageType.Update when WireCodec.TryDecodeUpdate(sequence, limits, out var u, out error):
                fields = [
                    new("deviceId", "device", u!.DeviceId),
                    new("round", "round", u.Round),
                    new("sampleCount", "samples", u.SampleCount),
                    new("loss", "loss", u.Loss),
                    new("trainingSeconds", "training seconds", u.TrainingSeconds),
                    new("energyMah", "energy mAh", u.EnergyMah),
                    new("createdAt", "created at", u.CreatedAt),
                ];
                model = u.Model;
                break;
            case WireMessageType.Upload when WireCodec.TryDecodeUpload(sequence, limits, out var g, out error):
                fields = [
                    new("gatewayId", "gateway", g!.GatewayId),
                    new("uploadId", "upload id", g.UploadId),
                    new("round", "round", g.Round),
                    new("totalSamples", "total samples", g.TotalSamples),
                    new("modelId", "model id", g.ModelId),
                    new("sequence", "sequence", g.Sequence),
                    new("createdAt", "created at", g.CreatedAt),
                ];
                model = g.Model;
                break;
            case WireMessageType.Model or WireMessageType.Update or WireMessageType.Upload:
                return false;
            default:
                fields = [];
                model = null;
                break;
        }

        summary = new MessageSummary(
            type,
            payload.LongLength,
            fields,
            model is null ? [] : [.. model.Tensors.Select(TensorSummary.Of)],
            model is null ? null : ModelDistance.Norm(model),
            ModelVerifier.SignerKeyId(sequence),
            verifier?.Check(sequence));
        error = WireError.None;
        return true;
    }
}
