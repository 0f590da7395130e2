using System.Net.Security;
using EdgeFL.Messaging.Security;

namespace EdgeFL.Cli.Tests;

public sealed class MakeCertsCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task MakeCerts_WritesAServerCertificate_TheCaVouchesFor()
    {
        var run = await CliRun.InProcessAsync("make-certs", "--out", _dir.Path, "--host", "localhost", "--host", "127.0.0.1", "--days", "30");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var server = TlsCertificates.LoadWithKey(_dir["server.pem"], _dir["server.key"], password: null);
        Assert.True(server.HasPrivateKey);
        Assert.InRange(server.NotAfter - DateTime.Now, TimeSpan.FromDays(29), TimeSpan.FromDays(31));
        var roots = TlsCertificates.LoadPemBundle(_dir["ca.pem"]);
        Assert.True(TlsCertificates.IsServerTrusted(server, null, SslPolicyErrors.RemoteCertificateChainErrors, roots));
        Assert.Contains("localhost, 127.0.0.1", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--out", "DIR")]
    [InlineData("--out", "DIR", "--host", "h", "--days", "0")]
    [InlineData("--out", "DIR", "--host", "h", "--days", "many")]
    public async Task MakeCerts_BadArguments_PrintUsage_Exit2(params string[] args)
    {
        var run = await CliRun.InProcessAsync(["make-certs", .. args.Select(a => a == "DIR" ? _dir.Path : a)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("make-certs [options]", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir["ca.pem"]));
    }
}
