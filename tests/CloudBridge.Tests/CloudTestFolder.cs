using EdgeFL.Core.Signing;
using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;

namespace EdgeFL.CloudBridge.Tests;

/// <summary>
/// A test's temporary folder with its signing keys, a verifier of the cloud's key, and the error log of the
/// services it hosts (<see cref="TestCloudHost"/>); deleted on dispose, which fails the test on an error it did not declare.
/// </summary>
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

    /// <summary>The Error and Critical lines of the services the test hosts; a test declares those it causes.</summary>
    public ErrorLog Errors { get; } = new();

    public void Dispose()
    {
        CloudKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        Errors.Dispose();
    }
}
