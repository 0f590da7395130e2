using EdgeFL.Core.Signing;
using EdgeFL.Tests.Shared;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>A test's temporary folder with its signing keys, and a verifier of the cloud's key; deleted on dispose.</summary>
internal sealed class CloudTestFolder : IDisposable
{
    public CloudTestFolder(string prefix)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        Keys = new TestKeys(Directory);
        CloudKey = Keys.Verifier("cloud");
    }

    public string Directory { get; }

    public TestKeys Keys { get; }

    /// <summary>Trusts models signed by the cloud's test key only.</summary>
    public ModelVerifier CloudKey { get; }

    public void Dispose()
    {
        CloudKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
