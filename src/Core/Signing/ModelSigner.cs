using System.Security.Cryptography;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Wire;

namespace EdgeFL.Core.Signing;

/// <summary>
/// Encodes model messages signed with ECDSA P-256 over SHA-256: the message map ends with the
/// <c>sig_alg</c>, <c>sig_kid</c> and <c>sig</c> entries, the signature covering every byte before
/// <c>sig</c> (docs/PROTOCOL.md section 12). Costs one SHA-256 pass over the payload and one ECDSA signature.
/// </summary>
public sealed class ModelSigner : IDisposable
{
    private readonly IdentifiedKey _key;

    /// <summary>Signs with <paramref name="privateKey"/> (a P-256 key with its private part), which this signer then owns.</summary>
    public ModelSigner(ECDsa privateKey)
    {
        _key = new IdentifiedKey(privateKey, nameof(privateKey));
    }

    /// <summary>The key id written into every signature (<see cref="SigningKeyFiles.KeyId"/>).</summary>
    public string KeyId => _key.Id;

    /// <summary>The private key file this signer was loaded from, if any.</summary>
    public string? KeyPath { get; private init; }

    /// <summary>True when the key file was generated when this signer was created.</summary>
    public bool Generated { get; private init; }

    /// <summary>The signer for a private key file (<see cref="SigningKeyFiles.LoadPrivateKey"/>).</summary>
    public static ModelSigner Load(string privateKeyPath) => new(SigningKeyFiles.LoadPrivateKey(privateKeyPath)) { KeyPath = privateKeyPath };

    /// <summary>The signer for a private key file, generated there first (with its <c>.pub</c>) when it does not exist.</summary>
    public static ModelSigner LoadOrGenerate(string privateKeyPath)
    {
        var key = SigningKeyFiles.LoadOrGenerate(privateKeyPath, out bool generated);
        return new ModelSigner(key) { KeyPath = privateKeyPath, Generated = generated };
    }

    /// <summary>Encodes <paramref name="message"/> as a signed model payload, in a new exactly-sized array.</summary>
    public byte[] Encode(ModelMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = WireCodec.EncodeOpen(message, SignatureTrailer.Entries, SignatureTrailer.Length);
        SignatureTrailer.WriteSignedPart(buffer, _key.IdAscii);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        _key.SignHash(hash, SignatureTrailer.BeginSignature(buffer));
        buffer.Advance(SignatureTrailer.SignatureLength);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A verifier that trusts this signer's public key only (a service checking what it finds was its own).</summary>
    public ModelVerifier CreateVerifier() => new([_key.PublicKey()], requireSigned: true);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
