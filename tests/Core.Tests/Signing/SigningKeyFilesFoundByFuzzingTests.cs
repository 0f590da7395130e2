using System.Security.Cryptography;
using EdgeFL.Core.Signing;

namespace EdgeFL.Core.Tests.Signing;

/// <summary>
/// Regression tests for what the signing key file fuzzing found: a key on a curve the platform does not
/// know threw PlatformNotSupportedException (not naming the file, and past the options validator's
/// check, so the service crashed at start); and files that loaded though part of them was damaged or
/// not a key of the right kind, the damaged part quietly skipped.
/// </summary>
public sealed class SigningKeyFilesFoundByFuzzingTests : IDisposable
{
    /// <summary>The DER of P-256's OID, 1.2.840.10045.3.1.7, and of an OID one arc away that no platform knows.</summary>
    private static readonly byte[] P256Oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    private static readonly byte[] UnknownOid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x7f];

    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-keys-fuzz-").FullName;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void AKeyOnACurveThePlatformDoesNotKnow_IsRefusedByName_NotPlatformNotSupported()
    {
        string key = Write("unknown.key", PemEncoding.WriteString("PRIVATE KEY", Replace(_key.ExportPkcs8PrivateKey(), P256Oid, UnknownOid)));
        string pub = Write("unknown.pub", PemEncoding.WriteString("PUBLIC KEY", Replace(_key.ExportSubjectPublicKeyInfo(), P256Oid, UnknownOid)));

        AssertRefused(() => SigningKeyFiles.LoadPrivateKey(key).Dispose(), key);
        AssertRefused(() => SigningKeyFiles.LoadPublicKeys(pub), pub);

        // What the options validators report at start, instead of the exception escaping them.
        Assert.StartsWith("X:Signing:PrivateKeyPath: ", SigningKeyFiles.SignerProblem(key, "X:Signing:PrivateKeyPath", canGenerate: true, "X:StateDirectory"), StringComparison.Ordinal);
        Assert.StartsWith("X:Signing:PublicKeyPath: ", SigningKeyFiles.VerifierProblem(pub, "X:Signing:PublicKeyPath", required: true, "X:Signing:RequireSignedModels"), StringComparison.Ordinal);
    }

    /// <summary>A rotation file with one block damaged loaded the other key alone.</summary>
    [Theory]
    [InlineData("truncated")] // the base64 cut short: no longer a block PemEncoding finds
    [InlineData("no END line")]
    [InlineData("text before BEGIN")] // a boundary must start a line (after whitespace)
    [InlineData("a stray BEGIN line")]
    public void ADamagedBlock_MakesTheWholeFileUnreadable_NotOneKeyLess(string damage)
    {
        string first = _key.ExportSubjectPublicKeyInfoPem();
        string damaged = damage switch
        {
            "truncated" => first.Remove(first.IndexOf('\n') + 10, 7),
            "no END line" => first[..first.IndexOf("-----END", StringComparison.Ordinal)],
            "text before BEGIN" => "key:" + first,
            _ => "-----BEGIN PUBLIC KEY-----\n" + first,
        };
        string path = Write("rotation.pub", damaged + "\n" + _other.ExportSubjectPublicKeyInfoPem() + "\n");

        AssertRefused(() => SigningKeyFiles.LoadPublicKeys(path), path, "cannot be read at line");
    }

    /// <summary>Bytes after a key's DER were ignored (the private key by ImportFromPem, the public key by an unchecked byte count).</summary>
    [Fact]
    public void BytesAfterTheKey_AreRefused()
    {
        string key = Write("long.key", PemEncoding.WriteString("EC PRIVATE KEY", [.. _key.ExportECPrivateKey(), 0, 0, 0, 0]));
        string pub = Write("long.pub", PemEncoding.WriteString("PUBLIC KEY", [.. _key.ExportSubjectPublicKeyInfo(), 0x30, 0x00]));

        AssertRefused(() => SigningKeyFiles.LoadPrivateKey(key).Dispose(), key, "bytes after its key");
        AssertRefused(() => SigningKeyFiles.LoadPublicKeys(pub), pub, "bytes after its key");
    }

    /// <summary>Blocks of another kind were skipped: a private key left in the trusted key file, a relabelled key of a rotation.</summary>
    [Theory]
    [InlineData("PRIVATE KEY")]
    [InlineData("CERTIFICATE")]
    public void APublicKeyFile_HoldsOnlyPublicKeys(string label)
    {
        byte[] der = label == "PRIVATE KEY" ? _other.ExportPkcs8PrivateKey() : _other.ExportSubjectPublicKeyInfo();
        string path = Write("mixed.pub", _key.ExportSubjectPublicKeyInfoPem() + "\n" + PemEncoding.WriteString(label, der) + "\n");

        AssertRefused(() => SigningKeyFiles.LoadPublicKeys(path), path, $"holds a PEM '{label}'");
    }

    /// <summary>An EC PARAMETERS block (as OpenSSL writes before the key) naming another curve, or damaged, was ignored.</summary>
    [Fact]
    public void ParametersOfAnotherCurve_BesideAP256Key_AreRefused()
    {
        string path = Write("params.key", "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n" + _key.ExportECPrivateKeyPem()); // secp384r1
        AssertRefused(() => SigningKeyFiles.LoadPrivateKey(path).Dispose(), path, "do not name the curve P-256");

        string other = Write("cert.key", _key.ExportPkcs8PrivateKeyPem() + "\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");
        AssertRefused(() => SigningKeyFiles.LoadPrivateKey(other).Dispose(), other, "holds a PEM 'CERTIFICATE'");
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertRefused(Action load, string path, string? why = null)
    {
        var ex = Assert.Throws<InvalidDataException>(load);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        if (why is not null)
        {
            Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        }
    }

    private static byte[] Replace(byte[] der, byte[] find, byte[] with)
    {
        byte[] result = (byte[])der.Clone();
        int at = result.AsSpan().IndexOf(find);
        Assert.True(at >= 0);
        with.CopyTo(result.AsSpan(at));
        return result;
    }
}
