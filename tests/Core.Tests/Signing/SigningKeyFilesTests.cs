using System.Security.Cryptography;
using EdgeFL.Core.Signing;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Core.Tests.Signing;

public sealed class SigningKeyFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Generate_WritesAnOwnerOnlyPkcs8Key_AndItsPublicKey_AndNeverOverwrites()
    {
        string path = Path.Combine(_dir, "sub", "cloud.key");
        using var key = SigningKeyFiles.Generate(path);

        TestKeys.AssertOwnerOnly(path);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
        string pub = Path.Combine(_dir, "sub", "cloud.pub");
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(pub), StringComparison.Ordinal);
        using var loaded = Assert.Single(SigningKeyFiles.LoadPublicKeys(pub));
        Assert.Equal(SigningKeyFiles.KeyId(key), SigningKeyFiles.KeyId(loaded));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "sub"), ".*"));

        Assert.Throws<IOException>(() => SigningKeyFiles.Generate(path).Dispose());
        using var again = SigningKeyFiles.LoadOrGenerate(path, out bool generated);
        Assert.False(generated);
        Assert.Equal(SigningKeyFiles.KeyId(key), SigningKeyFiles.KeyId(again));
    }

    [Fact]
    public void LoadOrGenerate_WritesAMissingPublicKey_NextToAnExistingPrivateKey()
    {
        string path = Path.Combine(_dir, "gw.key");
        SigningKeyFiles.Generate(path).Dispose();
        File.Delete(Path.Combine(_dir, "gw.pub"));
        using var key = SigningKeyFiles.LoadOrGenerate(path, out bool generated);
        Assert.False(generated);
        Assert.True(File.Exists(Path.Combine(_dir, "gw.pub")));
    }

    [Fact]
    public void KeysThatAreNotP256_OrNotTheRightKind_AreRefused_NamingTheFile()
    {
        string p384 = Path.Combine(_dir, "p384.key");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            File.WriteAllText(p384, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(Path.Combine(_dir, "p384.pub"), key.ExportSubjectPublicKeyInfoPem());
        }

        Assert.Contains("not P-256", Assert.Throws<InvalidDataException>(() => SigningKeyFiles.LoadPrivateKey(p384)).Message, StringComparison.Ordinal);
        Assert.Contains("p384.pub", Assert.Throws<InvalidDataException>(() => SigningKeyFiles.LoadPublicKeys(Path.Combine(_dir, "p384.pub"))).Message, StringComparison.Ordinal);

        string pair = Path.Combine(_dir, "ok.key");
        SigningKeyFiles.Generate(pair).Dispose();
        Assert.Contains("no PEM 'PRIVATE KEY'", Assert.Throws<InvalidDataException>(() => SigningKeyFiles.LoadPrivateKey(Path.Combine(_dir, "ok.pub"))).Message, StringComparison.Ordinal);
        Assert.Contains("the .pub file, not the .key", Assert.Throws<InvalidDataException>(() => SigningKeyFiles.LoadPublicKeys(pair)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sec1PrivateKey_WithItsParametersBlock_IsRead()
    {
        // What `openssl ecparam -name prime256v1 -genkey` writes: EC PARAMETERS, then EC PRIVATE KEY.
        string path = Path.Combine(_dir, "sec1.key");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(path, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + key.ExportECPrivateKeyPem());
        }

        using var signer = ModelSigner.Load(path);
        Assert.Equal(16, signer.KeyId.Length);
    }

    [Fact]
    public void Problems_NameTheConfigurationKey()
    {
        Assert.Null(SigningKeyFiles.SignerProblem(null, "X:Signing:PrivateKeyPath", canGenerate: true, "X:StateDirectory"));
        Assert.Contains("X:Signing:PrivateKeyPath must be set when X:StateDirectory is ':memory:'", SigningKeyFiles.SignerProblem(null, "X:Signing:PrivateKeyPath", canGenerate: false, "X:StateDirectory"), StringComparison.Ordinal);
        Assert.StartsWith("X:Signing:PrivateKeyPath '", SigningKeyFiles.SignerProblem(Path.Combine(_dir, "none.key"), "X:Signing:PrivateKeyPath", true, "X:StateDirectory"), StringComparison.Ordinal);

        Assert.Null(SigningKeyFiles.VerifierProblem(null, "X:Signing:PeerPublicKeyPath", required: false, "X:Signing:RequireSignedModels"));
        Assert.Contains("X:Signing:RequireSignedModels=false", SigningKeyFiles.VerifierProblem(null, "X:Signing:PeerPublicKeyPath", required: true, "X:Signing:RequireSignedModels"), StringComparison.Ordinal);
        string garbage = Path.Combine(_dir, "garbage.pub");
        File.WriteAllText(garbage, "not a key");
        Assert.StartsWith("X:Signing:PeerPublicKeyPath: ", SigningKeyFiles.VerifierProblem(garbage, "X:Signing:PeerPublicKeyPath", true, "X:Signing:RequireSignedModels"), StringComparison.Ordinal);
    }
}
