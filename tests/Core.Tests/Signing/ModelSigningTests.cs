using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using MessagePack;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Signing;

public sealed class ModelSigningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-sign-").FullName;
    private readonly TestKeys _keys;
    private readonly ModelSigner _signer;
    private readonly ModelVerifier _verifier;

    public ModelSigningTests()
    {
        _keys = new TestKeys(_dir);
        _signer = _keys.Signer("cloud");
        _verifier = _keys.Verifier("cloud");
    }

    public void Dispose()
    {
        _signer.Dispose();
        _verifier.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static ModelMessage Message() => ModelMessage(Small(new Random(3)));

    [Fact]
    public void SignedModel_Verifies_AndDecodesToTheSameMessage()
    {
        var message = Message() with { Selected = ["dev-1", "dev-2"] };
        byte[] signed = _signer.Encode(message);

        Assert.Equal(SignatureVerdict.Verified, _verifier.Check(Seq(signed)).Verdict);
        Assert.True(_verifier.TryDecode(Seq(signed), DecodeLimits.Default, out var decoded, out var rejection), rejection.ToString());
        Assert.Equal((message.ModelId, message.Round, message.Source, message.TotalSamples, message.IssuedAt), (decoded.ModelId, decoded.Round, decoded.Source, decoded.TotalSamples, decoded.IssuedAt));
        Assert.Equal(message.Selected, decoded.Selected);
        AssertSameState(message.Model, decoded.Model);

        // A receiver that does not check signatures reads it as before: the trailer keys are skipped.
        Assert.True(WireCodec.TryDecodeModel(Seq(signed), DecodeLimits.Default, out var plain, out var error), error.ToString());
        AssertSameState(message.Model, plain!.Model);
    }

    [Fact]
    public void SignerKeyId_ReadsTheTrailersKeyId_AndNullWithoutOne()
    {
        Assert.Equal(_signer.KeyId, ModelVerifier.SignerKeyId(Seq(_signer.Encode(Message()))));
        Assert.Null(ModelVerifier.SignerKeyId(Seq(WireCodec.Encode(Message()))));
        Assert.Null(ModelVerifier.SignerKeyId(Seq([1, 2, 3])));
    }

    [Fact]
    public void SignedPayload_IsTheUnsignedMap_PlusTheDocumentedTrailer_SignedOverEveryByteBeforeSig()
    {
        var message = Message();
        byte[] unsigned = WireCodec.Encode(message);
        byte[] signed = _signer.Encode(message);

        // The same map with three more entries: fixmap 8 -> 11, then the same entries, then the trailer.
        Assert.Equal(0x88, unsigned[0]);
        Assert.Equal(0x8b, signed[0]);
        Assert.Equal(unsigned.AsSpan(1).ToArray(), signed.AsSpan(1, unsigned.Length - 1).ToArray());
        Assert.Equal(unsigned.Length + 109, signed.Length);

        // The key id, computed here from the .pub file as docs/PROTOCOL.md section 12 says.
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(File.ReadAllText(_keys.PublicKey("cloud")));
        string kid = Convert.ToHexStringLower(SHA256.HashData(publicKey.ExportSubjectPublicKeyInfo()))[..16];
        byte[] expectedTrailerHead = [0xa7, .. "sig_alg"u8, 0xa5, .. "ES256"u8, 0xa7, .. "sig_kid"u8, 0xb0, .. Encoding.ASCII.GetBytes(kid), 0xa3, .. "sig"u8, 0xc4, 0x40];
        Assert.Equal(expectedTrailerHead, signed[^109..^64]);

        // The signature: IEEE P1363 r||s over SHA-256 of payload[0 .. length-70].
        Assert.True(publicKey.VerifyData(signed.AsSpan(0, signed.Length - 70), signed.AsSpan(signed.Length - 64), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.False(publicKey.VerifyData(signed.AsSpan(0, signed.Length - 71), signed.AsSpan(signed.Length - 64), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void PayloadBuiltByTheDocumentedRecipe_IsAccepted()
    {
        // What a signer in another language does (docs/PROTOCOL.md section 12): write the map with
        // sig_alg and sig_kid last and a count that includes sig, sign the bytes, append sig.
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(_keys.PrivateKey("cloud")));
        string kid = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
        var body = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(body);
        w.WriteMapHeader(10);
        w.Write("v"); w.Write(1);
        w.Write("t"); w.Write("model");
        w.Write("model_id"); w.Write("toy");
        w.Write("round"); w.Write(3);
        w.Write("source"); w.Write("gw-1");
        w.Write("issued_at"); w.Write(1764374400000L);
        w.Write("tensors"); w.WriteArrayHeader(1);
        w.WriteMapHeader(4);
        w.Write("name"); w.Write("w");
        w.Write("dtype"); w.Write("f32");
        w.Write("shape"); w.WriteArrayHeader(1); w.Write(2);
        w.Write("data"); w.Write((byte[])[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
        w.Write("sig_alg"); w.Write("ES256");
        w.Write("sig_kid"); w.Write(kid);
        w.Flush();
        byte[] signature = key.SignData(body.WrittenSpan, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        byte[] payload = [.. body.WrittenSpan, 0xa3, .. "sig"u8, 0xc4, 0x40, .. signature];

        Assert.True(_verifier.TryDecode(Seq(payload), DecodeLimits.Default, out var model, out var rejection), rejection.ToString());
        Assert.Equal(("toy", 3L), (model.ModelId, model.Round));
        Assert.Equal([1f, -2f], Floats(model.Model.Tensors[0]));
    }

    [Fact]
    public void FlippedByte_AnywhereInThePayload_IsRejected()
    {
        byte[] signed = _signer.Encode(Message());
        var verdicts = new Dictionary<SignatureVerdict, int>();
        for (int i = 0; i < signed.Length; i++)
        {
            byte[] tampered = (byte[])signed.Clone();
            tampered[i] ^= 0x01;
            var check = _verifier.Check(Seq(tampered));
            Assert.False(check.IsAccepted, $"byte {i} of {signed.Length} flipped, still {check}");
            verdicts[check.Verdict] = verdicts.GetValueOrDefault(check.Verdict) + 1;
        }

        // In the signed bytes and the signature: BadSignature; in the key id: an unknown key; in the
        // trailer's fixed bytes: not a signature in the accepted form.
        Assert.Equal(signed.Length - 109 + 64, verdicts[SignatureVerdict.BadSignature]);
        Assert.Equal(16, verdicts[SignatureVerdict.UnknownSigningKey]);
    }

    [Fact]
    public void TruncatedSignature_IsRejected()
    {
        var message = Message();
        byte[] signed = _signer.Encode(message);

        // Cut short: not even a complete message map.
        Assert.False(_verifier.TryDecode(Seq(signed[..^1]), DecodeLimits.Default, out _, out var cut));
        Assert.Equal(nameof(WireErrorReason.Truncated), cut.Reason);

        // A well-formed map whose signature is 63 bytes: not the accepted form.
        byte[] shortSig = [.. signed[..^66], 0xc4, 63, .. signed[^63..]];
        var check = _verifier.Check(Seq(shortSig));
        Assert.Equal(SignatureVerdict.MalformedSignature, check.Verdict);
        Assert.True(WireCodec.TryDecodeModel(Seq(shortSig), DecodeLimits.Default, out _, out var error), error.ToString());
    }

    [Fact]
    public void ModelSignedWithAnotherKey_IsRejected()
    {
        using var other = _keys.Signer("other");
        Assert.Equal(SignatureVerdict.UnknownSigningKey, _verifier.Check(Seq(other.Encode(Message()))).Verdict);

        // Another key's signature under the trusted key's id.
        byte[] forged = other.Encode(Message());
        Encoding.ASCII.GetBytes(_signer.KeyId).CopyTo(forged.AsSpan(forged.Length - 86));
        Assert.Equal(SignatureVerdict.BadSignature, _verifier.Check(Seq(forged)).Verdict);
    }

    [Fact]
    public void UnsignedModel_IsRejected_WhenSignaturesAreRequired_AndLoadedUncheckedOtherwise()
    {
        byte[] unsigned = WireCodec.Encode(Message());
        Assert.False(_verifier.TryDecode(Seq(unsigned), DecodeLimits.Default, out _, out var rejection));
        Assert.Equal(nameof(SignatureVerdict.Unsigned), rejection.Reason);

        using var lenient = ModelVerifier.FromFile(_keys.PublicKey("cloud"), requireSigned: false);
        Assert.Equal(SignatureVerdict.Unchecked, lenient.Check(Seq(unsigned)).Verdict);

        // Lenient about missing signatures, not about wrong ones.
        byte[] tampered = _signer.Encode(Message());
        tampered[20] ^= 0x40;
        Assert.Equal(SignatureVerdict.BadSignature, lenient.Check(Seq(tampered)).Verdict);
    }

    [Fact]
    public void SignatureEntries_NotLast_AreMalformed()
    {
        // A signature entry that is not in the trailer: a decoder skips it, the verifier refuses it.
        var body = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(body);
        w.WriteMapHeader(3);
        w.Write("v"); w.Write(1);
        w.Write("sig"); w.Write(new byte[64]);
        w.Write("t"); w.Write("model");
        w.Flush();
        Assert.Equal(SignatureVerdict.MalformedSignature, _verifier.Check(Seq(body.WrittenSpan.ToArray())).Verdict);
    }

    [Fact]
    public void MultiSegmentPayload_Verifies_WithoutBeingCopied()
    {
        byte[] signed = _signer.Encode(ModelMessage(Mlp(new Random(1))));
        Assert.Equal(SignatureVerdict.Verified, _verifier.Check(Segmented(signed, 4096)).Verdict);
        Assert.Equal(SignatureVerdict.Verified, _verifier.Check(Segmented(signed, 50)).Verdict);
    }

    [Fact]
    public void TrustedKeyFile_WithTwoKeys_AcceptsBoth_ForARotation()
    {
        string both = Path.Combine(_dir, "trusted.pub");
        File.WriteAllText(both, File.ReadAllText(_keys.PublicKey("cloud")) + File.ReadAllText(_keys.PublicKey("next")));
        using var verifier = ModelVerifier.FromFile(both, requireSigned: true);
        using var next = _keys.Signer("next");
        Assert.Equal(2, verifier.TrustedKeyIds.Count);
        Assert.Equal(SignatureVerdict.Verified, verifier.Check(Seq(_signer.Encode(Message()))).Verdict);
        Assert.Equal(SignatureVerdict.Verified, verifier.Check(Seq(next.Encode(Message()))).Verdict);
    }

    [Fact]
    public void TooLargePayload_IsRejected_BeforeItsSignatureIsChecked()
    {
        byte[] signed = _signer.Encode(ModelMessage(Mlp(new Random(1))));
        Assert.False(_verifier.TryDecode(Seq(signed), DecodeLimits.Default with { MaxPayloadBytes = 1024 }, out _, out var rejection));
        Assert.Equal(nameof(WireErrorReason.TooLarge), rejection.Reason);
    }
}
