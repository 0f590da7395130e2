using System.Buffers;
using System.Security.Cryptography;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;

namespace EdgeFL.Bench;

/// <summary>
/// Figure 7: a signed 4 MB model message (1e6 floats). Signing is the unsigned encode plus one SHA-256
/// pass and one ECDSA P-256 signature; verifying is one SHA-256 pass plus one ECDSA verification, before
/// anything is decoded. Baselines from the same run: the unsigned encode, SHA-256 of the payload, the decode.
/// </summary>
internal static class SigningBench
{
    public static Task RunAsync(Report report, bool quick)
    {
        const int elements = 1_000_000;
        var rng = new Random(5);
        float[] values = [.. Enumerable.Range(0, elements).Select(_ => (float)(rng.NextDouble() - 0.5))];
        var message = new ModelMessage("bench", 7, "gw", 0, DateTimeOffset.UnixEpoch, new ModelState([NamedTensor.FromFloat32("w", [1000, 1000], values)]));

        using var signer = new ModelSigner(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        using var verifier = signer.CreateVerifier();
        byte[] signed = signer.Encode(message);
        var payload = new ReadOnlySequence<byte>(signed);
        if (!verifier.Check(payload).IsAccepted)
        {
            throw new InvalidOperationException("the signed payload does not verify");
        }

        int runs = quick ? 2 : 5;
        double minSeconds = quick ? 0.2 : 1.0;
        double Ms(Action pass) => Measure.BestSeconds(pass, runs, minSeconds) * 1000;
        double encode = Ms(() => WireCodec.Encode(message));
        double sign = Ms(() => signer.Encode(message));
        double hash = Ms(() => SHA256.HashData(signed));
        double verify = Ms(() => verifier.Check(payload));
        double decode = Ms(() => WireCodec.TryDecodeModel(payload, DecodeLimits.Default, out _, out _));
        double verifyDecode = Ms(() => verifier.TryDecode(payload, DecodeLimits.Default, out _, out _));

        string size = Measure.Bytes(signed.Length);
        report.Add("7 signing", $"sign: encode + SHA-256 + ECDSA P-256, {size} model", sign, "ms", "unsigned WireCodec.Encode", encode);
        report.Add("7 signing", $"verify (before decoding): SHA-256 + ECDSA, {size}", verify, "ms", "SHA-256 of the payload alone", hash);
        report.Add("7 signing", $"verify + decode, {size}", verifyDecode, "ms", "decode alone (unsigned check)", decode);
        report.Note("7 signing", $"signature overhead on the wire: {SignatureTrailerBytes(signed.Length, message)} bytes per model");
        return Task.CompletedTask;
    }

    private static int SignatureTrailerBytes(int signedLength, ModelMessage message) => signedLength - WireCodec.Encode(message).Length;
}
