using System.Text;
using EdgeFL.Messaging.Security;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Messaging.Tests.Fuzz;

/// <summary>
/// Regression tests for what the credential file fuzzing found: files CredentialFile either threw on
/// with an exception other than the documented InvalidDataException (no file named at start; while
/// running, out of Verify, so out of the broker's authentication of every client), or accepted though
/// the provisioning command could never have written them.
/// </summary>
public sealed class CredentialFileFoundByFuzzingTests : IDisposable
{
    private const string Salt = "AAAAAAAAAAAAAAAAAAAAAA==";
    private const string Hash = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-cred-fuzz-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Files that threw InvalidOperationException, KeyNotFoundException or ArgumentException instead of a named refusal.</summary>
    [Theory]
    [InlineData("[]")] // the root not an object
    [InlineData("1")]
    [InlineData("{\"clients\": {\"d\": 1}}")] // a client not an object
    [InlineData("{\"clients\": {\"d\": {\"hash\": \"" + Hash + "\"}}}")] // no salt
    [InlineData("{\"clients\": {\"d\": {\"salt\": 1, \"hash\": \"" + Hash + "\"}}}")] // a salt not a string
    [InlineData("{\"clients\": {\"d\": {\"salt\": \"" + Salt + "\", \"hash\": \"" + Hash + "\", \"created\": 1}}}")] // a date not a string
    [InlineData("{\"clients\": {\"d\": {\"salt\": \"" + Salt + "\", \"hash\": \"" + Hash + "\"}, \"d\": {\"salt\": \"" + Salt + "\", \"hash\": \"" + Hash + "\"}}}")] // an id twice
    [InlineData("{\"clients\": {\"\\ud800\": {\"salt\": \"" + Salt + "\", \"hash\": \"" + Hash + "\"}}}")] // an id that is not UTF-16
    public void AFileThatThrew_IsRefusedByName_AndIgnoredWhileRunning(string content) => AssertRefused(Encoding.UTF8.GetBytes(content));

    /// <summary>Files that were accepted though nothing could provision them.</summary>
    [Theory]
    [InlineData("a/b")] // ids the provisioning command refuses: the broker let them authenticate
    [InlineData("$SYS")]
    [InlineData("cloud")]
    [InlineData("")]
    [InlineData("dev 1")]
    public void AnIdTheProvisioningCommandRefuses_IsRefused(string id) =>
        AssertRefused(Encoding.UTF8.GetBytes("{\"version\": 1, \"clients\": {\"" + id + "\": {\"salt\": \"" + Salt + "\", \"hash\": \"" + Hash + "\"}}}"));

    [Theory]
    [InlineData("2")]
    [InlineData("\"1\"")]
    [InlineData("null")]
    public void AnotherFormatVersion_IsRefused(string version) =>
        AssertRefused(Encoding.UTF8.GetBytes("{\"version\": " + version + ", \"clients\": {}}"));

    [Fact]
    public void AFileThatIsNotUtf8_IsRefused() =>
        AssertRefused([.. "{\"clients\": {}, \"h"u8, 0xc6, 0xff, .. "\": 1}"u8]);

    private void AssertRefused(byte[] content)
    {
        string path = PathOf("c.json");
        var time = new ManualTimeProvider();
        var running = new CredentialFile(path, time);
        string secret = running.Provision("dev-01");

        File.WriteAllBytes(path, content);
        var ex = Assert.Throws<InvalidDataException>(() => new CredentialFile(path).LoadOrThrow());
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);

        // While running: ignored, the last good set kept.
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(running.Verify("dev-01", Encoding.UTF8.GetBytes(secret)));
        Assert.False(running.Verify("dev-01", "wrong"u8));
        Assert.Equal(["dev-01"], running.Ids);
    }
}
