using System.Text;
using EdgeFL.Messaging.Security;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Messaging.Tests.Security;

public sealed class CredentialFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-cred-").FullName;

    private string PathOf(string name) => System.IO.Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Provision_StoresOnlyAHash_AndTheSecretVerifies()
    {
        var file = new CredentialFile(PathOf("c.json"));
        string secret = file.Provision("dev-01");

        Assert.True(secret.Length >= 43, "a 256-bit secret");
        string text = File.ReadAllText(PathOf("c.json"));
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.True(file.Verify("dev-01", Encoding.UTF8.GetBytes(secret)));
        Assert.False(file.Verify("dev-01", Encoding.UTF8.GetBytes(secret + "x")));
        Assert.False(file.Verify("dev-02", Encoding.UTF8.GetBytes(secret)));
        Assert.False(file.Verify("dev-01", []));

        // Another reader (the broker, in its own process) sees the same.
        Assert.True(new CredentialFile(PathOf("c.json")).Verify("dev-01", Encoding.UTF8.GetBytes(secret)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(PathOf("c.json")));
        }
    }

    [Fact]
    public void ProvisioningAgain_ReplacesTheSecret_AndRevokeRemovesIt()
    {
        var file = new CredentialFile(PathOf("c.json"));
        string first = file.Provision("dev-01");
        string second = file.Provision("dev-01");
        file.Provision("dev-02");

        Assert.NotEqual(first, second);
        Assert.False(file.Verify("dev-01", Encoding.UTF8.GetBytes(first)));
        Assert.True(file.Verify("dev-01", Encoding.UTF8.GetBytes(second)));
        Assert.True(file.Revoke("dev-01"));
        Assert.False(file.Revoke("dev-01"));
        Assert.False(file.Verify("dev-01", Encoding.UTF8.GetBytes(second)));
        Assert.Equal(["dev-02"], file.Ids);
    }

    [Fact]
    public void AChangeMadeByAnotherProcess_IsSeenWithoutARestart()
    {
        var time = new ManualTimeProvider();
        var broker = new CredentialFile(PathOf("c.json"), time);
        broker.LoadOrThrow();
        string secret = new CredentialFile(PathOf("c.json")).Provision("dev-01");

        // Seen at once: a refusal re-checks the file first.
        Assert.True(broker.Verify("dev-01", Encoding.UTF8.GetBytes(secret)));

        // A revocation is seen within the re-check interval (one second).
        new CredentialFile(PathOf("c.json")).Revoke("dev-01");
        time.Advance(TimeSpan.FromSeconds(1.1));
        Assert.False(broker.Verify("dev-01", Encoding.UTF8.GetBytes(secret)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a+b")]
    [InlineData("#")]
    [InlineData("has space")]
    [InlineData("cloud")]
    [InlineData("$edgefl-service")]
    public void Provision_RefusesIdsThatCannotBeATopicSegment_OrAreReserved(string id)
    {
        var file = new CredentialFile(PathOf("c.json"));
        Assert.Throws<ArgumentException>(() => file.Provision(id));
        Assert.False(File.Exists(PathOf("c.json")));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"clients\": {\"d\": {\"salt\": \"AA==\", \"hash\": \"AA==\"}}}")]
    [InlineData("{\"clients\": {\"d\": {\"salt\": \"%%%\", \"hash\": \"AA==\"}}}")]
    public void ABrokenFile_StopsTheServiceAtStart_NamingTheFile(string content)
    {
        File.WriteAllText(PathOf("c.json"), content);
        var ex = Assert.Throws<InvalidDataException>(() => new CredentialFile(PathOf("c.json")).LoadOrThrow());
        Assert.Contains(PathOf("c.json"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileBrokenWhileRunning_KeepsTheLastGoodSet()
    {
        var time = new ManualTimeProvider();
        var file = new CredentialFile(PathOf("c.json"), time);
        string secret = file.Provision("dev-01");
        File.WriteAllText(PathOf("c.json"), "{ half-written");
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(file.Verify("dev-01", Encoding.UTF8.GetBytes(secret)));
    }

    [Fact]
    public void IdError_NamesWhatIsWrong_AndIsNullForAGoodId()
    {
        Assert.Null(CredentialFile.IdError("dev-7"));
        Assert.Contains("'bad/id' is not a valid id", CredentialFile.IdError("bad/id"), StringComparison.Ordinal);
        Assert.NotNull(CredentialFile.IdError("$SYS"));
        Assert.Equal(CredentialFile.IdError("a b"), Assert.Throws<ArgumentException>(() => CredentialFile.ValidateId("a b")).Message.Split(" (Parameter")[0]);
    }
}
