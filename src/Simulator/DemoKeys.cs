using EdgeFL.Core.Signing;

namespace EdgeFL.Simulator;

/// <summary>
/// The demo's model-signing keys, as an operator would provision them: a key pair for the cloud and
/// one per gateway, generated on first use in a temporary folder that is deleted at the end.
/// </summary>
internal sealed class DemoKeys : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgefl-demo-keys-").FullName;

    /// <summary>The private key file of <paramref name="name"/> (cloud, or a gateway id), generated with its public key the first time.</summary>
    public string PrivateKey(string name)
    {
        string path = Path.Combine(_directory, name + SigningKeyFiles.PrivateKeyExtension);
        if (!File.Exists(path))
        {
            SigningKeyFiles.Generate(path).Dispose();
        }

        return path;
    }

    /// <summary>The public key file of <paramref name="name"/>.</summary>
    public string PublicKey(string name) => SigningKeyFiles.PublicKeyPathFor(PrivateKey(name));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
