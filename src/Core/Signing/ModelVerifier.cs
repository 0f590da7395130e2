using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Wire;

namespace EdgeFL.Core.Signing;

/// <summary>
/// Checks a model payload's signature against trusted public keys before anything of it is decoded:
/// it reads the trailer at fixed offsets from the end, hashes the signed bytes once (no copy, no tensor
/// decoded) and verifies one ECDSA signature (docs/PROTOCOL.md section 12). Thread-safe.
/// </summary>
public sealed class ModelVerifier : IDisposable
{
    private readonly IdentifiedKey[] _trusted;

    /// <summary>Trusts <paramref name="trustedKeys"/> (P-256 public keys, owned by this verifier from now on).</summary>
    /// <param name="trustedKeys">The keys whose signatures are accepted; empty only when signatures are not required.</param>
    /// <param name="requireSigned">Reject unsigned models (true), or accept them unchecked (false). A signed model is verified either way when a key is configured.</param>
    public ModelVerifier(IEnumerable<ECDsa> trustedKeys, bool requireSigned)
    {
        ArgumentNullException.ThrowIfNull(trustedKeys);
        ECDsa[] keys = [.. trustedKeys];
        if (requireSigned && keys.Length == 0)
        {
            throw new ArgumentException("signatures are required but no key is trusted", nameof(trustedKeys));
        }

        _trusted = [.. keys.Select(k => new IdentifiedKey(k, nameof(trustedKeys)))];
        RequireSigned = requireSigned;
    }

    /// <summary>True when unsigned models are rejected.</summary>
    public bool RequireSigned { get; }

    /// <summary>The ids of the trusted keys.</summary>
    public IReadOnlyList<string> TrustedKeyIds => [.. _trusted.Select(t => t.Id)];

    /// <summary>
    /// The verifier a service configures: the keys of <paramref name="publicKeyPath"/> (every <c>PUBLIC KEY</c>
    /// block, <see cref="SigningKeyFiles.LoadPublicKeys"/>), or none when it is not set.
    /// </summary>
    public static ModelVerifier FromFile(string? publicKeyPath, bool requireSigned) =>
        new(string.IsNullOrEmpty(publicKeyPath) ? [] : SigningKeyFiles.LoadPublicKeys(publicKeyPath), requireSigned);

    /// <summary>
    /// The key id a payload's signature trailer names (for display: nothing is verified), or null when the
    /// payload does not end with a trailer in the accepted form.
    /// </summary>
    public static string? SignerKeyId(ReadOnlySequence<byte> payload)
    {
        Span<byte> keyId = stackalloc byte[SignatureTrailer.KeyIdLength];
        Span<byte> signature = stackalloc byte[SignatureTrailer.SignatureLength];
        return SignatureTrailer.TryRead(payload, keyId, signature) ? Printable(keyId) : null;
    }

    /// <summary>Checks the signature of a model payload; the caller has checked its size.</summary>
    public SignatureCheck Check(ReadOnlySequence<byte> payload) => Check(payload, out _);

    /// <summary>Checks the signature; <paramref name="structure"/> says why a payload without a valid trailer is not even a message map.</summary>
    private SignatureCheck Check(ReadOnlySequence<byte> payload, out WireError structure)
    {
        structure = WireError.None;
        if (_trusted.Length == 0)
        {
            return new(SignatureVerdict.Unchecked, "no trusted key is configured");
        }

        Span<byte> keyId = stackalloc byte[SignatureTrailer.KeyIdLength];
        Span<byte> signature = stackalloc byte[SignatureTrailer.SignatureLength];
        if (!SignatureTrailer.TryRead(payload, keyId, signature))
        {
            // Told apart only to count and log well: either way nothing here is accepted as signed.
            return WireCodec.HasSignatureKey(payload, DecodeLimits.Default, out structure)
                ? new(SignatureVerdict.MalformedSignature, "'sig_alg', 'sig_kid' and 'sig' must be the last entries, as ES256, 16 hex digits and 64 bytes")
                : RequireSigned ? new(SignatureVerdict.Unsigned, "the model carries no signature") : new(SignatureVerdict.Unchecked, "unsigned, accepted (signatures not required)");
        }

        IdentifiedKey? key = Find(keyId);
        if (key is null)
        {
            return new(SignatureVerdict.UnknownSigningKey, $"signed by key {Printable(keyId)}; trusted: {string.Join(", ", TrustedKeyIds)}");
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Hash(payload.Slice(0, payload.Length - SignatureTrailer.UnsignedLength), hash);
        return key.VerifyHash(hash, signature)
            ? new(SignatureVerdict.Verified, $"signed by key {key.Id}")
            : new(SignatureVerdict.BadSignature, $"the signature under key {key.Id} does not match the payload");
    }

    /// <summary>
    /// Takes a received model payload in the order that keeps anything unverified from being decoded:
    /// the size against <paramref name="limits"/>, then the signature, then the decoding.
    /// </summary>
    public bool TryDecode(ReadOnlySequence<byte> payload, DecodeLimits limits, [NotNullWhen(true)] out ModelMessage? model, out ModelRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        model = null;
        if (payload.Length > limits.MaxPayloadBytes)
        {
            rejection = new(nameof(WireErrorReason.TooLarge), $"{payload.Length} bytes exceed the limit of {limits.MaxPayloadBytes}");
            return false;
        }

        var check = Check(payload, out var structure);
        if (!check.IsAccepted)
        {
            // A payload that is not even a message map is counted as what it is (Truncated, Malformed).
            rejection = structure.IsError ? new(structure.Reason.ToString(), structure.Detail) : new(check.Verdict.ToString(), check.Detail);
            return false;
        }

        if (!WireCodec.TryDecodeModel(payload, limits, out model, out var error))
        {
            rejection = new(error.Reason.ToString(), error.Detail);
            return false;
        }

        rejection = default;
        return model is not null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var key in _trusted)
        {
            key.Dispose();
        }
    }

    private IdentifiedKey? Find(ReadOnlySpan<byte> keyId)
    {
        foreach (var trusted in _trusted)
        {
            if (keyId.SequenceEqual(trusted.IdAscii))
            {
                return trusted;
            }
        }

        return null;
    }

    private static void Hash(ReadOnlySequence<byte> signed, Span<byte> hash)
    {
        if (signed.IsSingleSegment)
        {
            SHA256.HashData(signed.FirstSpan, hash);
            return;
        }

        using var incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in signed)
        {
            incremental.AppendData(segment.Span);
        }

        incremental.GetHashAndReset(hash);
    }

    /// <summary>A key id from the payload, for a log line: shown only when it is lowercase hex.</summary>
    private static string Printable(ReadOnlySpan<byte> keyId) =>
        keyId.ContainsAnyExcept("0123456789abcdef"u8) ? "(not a key id)" : Encoding.ASCII.GetString(keyId);
}
