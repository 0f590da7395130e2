using EdgeFL.Core.Signing;

namespace EdgeFL.Tests.Shared;

/// <summary>Model-signing key pairs for a test, as real files in <paramref name="directory"/> (the services read files), one per name.</summary>
public sealed class TestKeys(string directory)
{
    /// <summary>The private key file of <paramref name="name"/>, generated with its public key the first time.</summary>
    public string PrivateKey(string name)
    {
        string path = Path.Combine(directory, name + SigningKeyFiles.PrivateKeyExtension);
        SigningKeyFiles.LoadOrGenerate(path, out _).Dispose();
        return path;
    }

    /// <summary>The public key file of <paramref name="name"/>.</summary>
    public string PublicKey(string name) => SigningKeyFiles.PublicKeyPathFor(PrivateKey(name));

    /// <summary>A signer with the key of <paramref name="name"/>.</summary>
    public ModelSigner Signer(string name) => ModelSigner.Load(PrivateKey(name));

    /// <summary>A verifier that requires signatures by <paramref name="name"/>.</summary>
    public ModelVerifier Verifier(string name) => ModelVerifier.FromFile(PublicKey(name), requireSigned: true);

    /// <summary>Asserts a key file is readable and writable by its owner only (mode 0600).</summary>
    public static void AssertOwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }
}
