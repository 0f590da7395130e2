using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;

namespace EdgeFL.Cli.Tests;

public sealed class KeygenCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Keygen_WritesAPairThatSignsAndVerifies()
    {
        var run = await CliRun.InProcessAsync("keygen", "--out", _dir.Path, "--name", "cloud");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("key id", run.Output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir["cloud.key"]));
        }

        using var signer = ModelSigner.Load(_dir["cloud.key"]);
        using var verifier = ModelVerifier.FromFile(_dir["cloud.pub"], requireSigned: true);
        Assert.Contains(signer.KeyId, run.Output, StringComparison.Ordinal);
        var model = new ModelMessage("mlp", 1, "cloud", 10, DateTimeOffset.UnixEpoch, new ModelState([NamedTensor.FromFloat32("w", [2], [1f, 2f])]));
        var payload = new ReadOnlySequence<byte>(signer.Encode(model));
        Assert.True(verifier.TryDecode(payload, DecodeLimits.Default, out var decoded, out var rejection), rejection.ToString());
        Assert.Equal("mlp", decoded.ModelId);
    }

    [Fact]
    public async Task Keygen_NeverOverwritesAKey()
    {
        Assert.Equal(0, (await CliRun.InProcessAsync("keygen", "--out", _dir.Path, "--name", "cloud")).ExitCode);
        string before = await File.ReadAllTextAsync(_dir["cloud.key"]);

        var again = await CliRun.InProcessAsync("keygen", "--out", _dir.Path, "--name", "cloud");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("never overwrites", again.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(_dir["cloud.key"]));
    }

    [Theory]
    [InlineData("--out", "DIR")]
    [InlineData("--out", "DIR", "--name", "../escape")]
    [InlineData("--out", "DIR", "--name", "k", "--bogus", "1")]
    public async Task Keygen_BadArguments_PrintUsage_Exit2(params string[] args)
    {
        var run = await CliRun.InProcessAsync(["keygen", .. args.Select(a => a == "DIR" ? _dir.Path : a)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("keygen [options]", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }
}
