using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Simulator.Tests;

public sealed class KeygenCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-keygen-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Keygen_WritesAKeyPair_ThatSignsAndVerifies_AndNeverOverwritesIt()
    {
        var output = new StringWriter();
        Assert.Equal(0, KeygenCommand.Run(["--out", _dir, "--name", "cloud"], output));

        string key = Path.Combine(_dir, "cloud.key");
        TestKeys.AssertOwnerOnly(key);
        using var signer = ModelSigner.Load(key);
        using var verifier = ModelVerifier.FromFile(Path.Combine(_dir, "cloud.pub"), requireSigned: true);
        Assert.Contains($"key id {signer.KeyId}", output.ToString(), StringComparison.Ordinal);
        var model = new ModelMessage("m", 1, "cloud", 0, DateTimeOffset.UnixEpoch, new ModelState([NamedTensor.FromFloat32("w", [2], [1, 2])]));
        Assert.Equal(SignatureVerdict.Verified, verifier.Check(new(signer.Encode(model))).Verdict);

        string before = File.ReadAllText(key);
        var ex = Assert.Throws<ArgumentException>(() => KeygenCommand.Run(["--out", _dir, "--name", "cloud"], TextWriter.Null));
        Assert.Contains("never overwrites", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(key));
    }

    [Fact]
    public void Keygen_WithMissingOrBadArguments_SaysWhich()
    {
        Assert.Contains("--name", Assert.Throws<ArgumentException>(() => KeygenCommand.Run(["--out", _dir], TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("plain file name", Assert.Throws<ArgumentException>(() => KeygenCommand.Run(["--out", _dir, "--name", "../x"], TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("unknown flag", Assert.Throws<ArgumentException>(() => KeygenCommand.Run(["--bogus", "1"], TextWriter.Null)).Message, StringComparison.Ordinal);
    }
}
