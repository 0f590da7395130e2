using System.Security.Cryptography;
using System.Text;

namespace EdgeFL.Core.Signing;

/// <summary>
/// A P-256 key with its key id, for a signer or a verifier. Calls into the key are serialised: an
/// <see cref="ECDsa"/> instance is not documented as safe for concurrent use.
/// </summary>
internal sealed class IdentifiedKey : IDisposable
{
    private readonly ECDsa _key;
    private readonly Lock _lock = new();

    /// <summary>Takes ownership of <paramref name="key"/>; <see cref="ArgumentException"/> unless it is a P-256 key.</summary>
    public IdentifiedKey(ECDsa key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.KeySize != 256)
        {
            throw new ArgumentException($"model signing keys are P-256; this one has {key.KeySize} bits", paramName);
        }

        _key = key;
        Id = SigningKeyFiles.KeyId(key);
        IdAscii = Encoding.ASCII.GetBytes(Id);
    }

    /// <summary>The key id (<see cref="SigningKeyFiles.KeyId"/>).</summary>
    public string Id { get; }

    /// <summary>The key id as it stands in a signature trailer.</summary>
    public byte[] IdAscii { get; }

    /// <summary>Signs a SHA-256 hash into 64 bytes, IEEE P1363 <c>r || s</c>.</summary>
    public void SignHash(ReadOnlySpan<byte> hash, Span<byte> signature)
    {
        lock (_lock)
        {
            _key.SignHash(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>Verifies a 64-byte IEEE P1363 signature of a SHA-256 hash.</summary>
    public bool VerifyHash(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        lock (_lock)
        {
            return _key.VerifyHash(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>A new key holding only the public part.</summary>
    public ECDsa PublicKey()
    {
        lock (_lock)
        {
            return ECDsa.Create(_key.ExportParameters(includePrivateParameters: false));
        }
    }

    public void Dispose() => _key.Dispose();
}
