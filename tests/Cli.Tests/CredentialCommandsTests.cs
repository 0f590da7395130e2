using System.Text;
using EdgeFL.Messaging.Security;

namespace EdgeFL.Cli.Tests;

public sealed class CredentialCommandsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ProvisionListRevoke_RoundTrip_OnTheGivenFile()
    {
        string path = _dir["gateway-credentials.json"];

        var provisioned = await CliRun.InProcessAsync("provision-device", "dev-7", "--credentials", path);
        Assert.True(provisioned.ExitCode == 0, provisioned.ToString());
        Assert.True(new CredentialFile(path).Verify("dev-7", Encoding.UTF8.GetBytes(PasswordOf(provisioned))));
        Assert.Contains("Device:Password", provisioned.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRun.InProcessAsync("provision-device", "dev-8", "--credentials", path)).ExitCode);

        var listed = await CliRun.InProcessAsync("list-devices", "--credentials", path);
        Assert.Equal(0, listed.ExitCode);
        Assert.Equal(["dev-7", "dev-8"], listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var revoked = await CliRun.InProcessAsync("revoke-device", "dev-7", "--credentials", path);
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal(["dev-8"], new CredentialFile(path).Ids);

        var again = await CliRun.InProcessAsync("revoke-device", "dev-7", "--credentials", path);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("not provisioned", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvisionGateway_TellsTheGatewaysKeys()
    {
        var run = await CliRun.InProcessAsync("provision-gateway", "gw-1", "--credentials", _dir["cloud-credentials.json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Gateway:Cloud:Password", run.Output, StringComparison.Ordinal);
        Assert.True(new CredentialFile(_dir["cloud-credentials.json"]).Verify("gw-1", Encoding.UTF8.GetBytes(PasswordOf(run))));
    }

    [Theory]
    [InlineData("provision-device")]
    [InlineData("provision-device", "bad/id")]
    [InlineData("revoke-gateway", "a", "b")]
    [InlineData("list-devices", "extra")]
    public async Task BadArguments_PrintUsage_Exit2(params string[] args)
    {
        var run = await CliRun.InProcessAsync([.. args, "--credentials", _dir["c.json"]]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($" {args[0]} ", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir["c.json"]));
    }

    [Fact]
    public async Task ADamagedFile_IsOneLine_Exit1_AndLeftAlone()
    {
        await File.WriteAllTextAsync(_dir["c.json"], "{ not json");

        var run = await CliRun.InProcessAsync("provision-device", "dev-1", "--credentials", _dir["c.json"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(_dir["c.json"], run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(_dir["c.json"]));
    }

    [Fact]
    public async Task WithoutCredentials_TheFileIsTheServicesDefault_InTheConfigDirectory()
    {
        var env = new Dictionary<string, string> { ["EDGEFL_CONFIG_DIR"] = _dir.Path };

        var run = await CliRun.EdgeflProcessAsync(env, "provision-gateway", "gw-1");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["gw-1"], new CredentialFile(_dir["cloud-credentials.json"]).Ids);
    }

    [Fact]
    public async Task WithoutCredentials_TheGatewaysConfiguredPathIsUsed()
    {
        string configured = _dir["elsewhere/devices.json"];
        await File.WriteAllTextAsync(_dir["gateway.json"], $$"""{ "Gateway": { "Broker": { "CredentialsPath": "{{configured}}" } } }""");
        var env = new Dictionary<string, string> { ["EDGEFL_CONFIG_DIR"] = _dir.Path };

        var provisioned = await CliRun.EdgeflProcessAsync(env, "provision-device", "dev-1");
        var listed = await CliRun.EdgeflProcessAsync(env, "list-devices");

        Assert.True(provisioned.ExitCode == 0, provisioned.ToString());
        Assert.Equal(["dev-1"], new CredentialFile(configured).Ids);
        Assert.False(File.Exists(_dir["gateway-credentials.json"]));
        Assert.Equal("dev-1", listed.Output.Trim());
        Assert.Contains(configured, listed.Error, StringComparison.Ordinal);
    }

    private static string PasswordOf(CliRun run) =>
        run.Output.Split('\n').Single(l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..].Trim();
}
