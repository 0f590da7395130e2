using System.Text.Json;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Wire;

namespace EdgeFL.Cli.Tests;

public sealed class InspectModelFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AModelFile_ShowsItsHeader_Tensors_AndNorm()
    {
        await ModelFile.SaveAsync(_dir["model.msgpack"], TestModels.Model());

        var run = await CliRun.InProcessAsync("inspect", _dir["model.msgpack"]);

        run.AssertShows("model message", "model id", "mlp", "round", "12", "origin", "gw-1", "total samples", "6000", "2023-11-14T22:13:20.000Z",
            "fc.weight", "f32", "[2, 3]", "bn.num_batches_tracked", "i64", "[]", "none (unsigned)", TestModels.Norm.ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ASignedModel_ShowsItsKeyId_AndIsVerifiedWithThePublicKey()
    {
        SigningKeyFiles.Generate(_dir["cloud.key"]).Dispose();
        SigningKeyFiles.Generate(_dir["other.key"]).Dispose();

        using var signer = ModelSigner.Load(_dir["cloud.key"]);
        await File.WriteAllBytesAsync(_dir["signed.msgpack"], signer.Encode(TestModels.Model()));

        var plain = await CliRun.InProcessAsync("inspect", _dir["signed.msgpack"]);
        var verified = await CliRun.InProcessAsync("inspect", _dir["signed.msgpack"], "--public-key", _dir["cloud.pub"]);
        var unknown = await CliRun.InProcessAsync("inspect", _dir["signed.msgpack"], "--public-key", _dir["other.pub"]);

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Contains($"signed by key {signer.KeyId}", plain.Output, StringComparison.Ordinal);
        Assert.Contains(nameof(SignatureVerdict.Verified), verified.Output, StringComparison.Ordinal);
        Assert.Contains(nameof(SignatureVerdict.UnknownSigningKey), unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_IsParseable_WithTheSameFacts()
    {
        await File.WriteAllBytesAsync(_dir["update.msgpack"], WireCodec.Encode(TestModels.Update()));

        var run = await CliRun.InProcessAsync("inspect", "--json", _dir["update.msgpack"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Output);
        var message = doc.RootElement.GetProperty("message");
        Assert.Equal("update", message.GetProperty("type").GetString());
        Assert.Equal("dev-1", message.GetProperty("deviceId").GetString());
        Assert.Equal(600, message.GetProperty("sampleCount").GetInt64());
        Assert.Equal(TestModels.Norm, message.GetProperty("l2Norm").GetDouble(), 5);
        Assert.Equal([2, 3], message.GetProperty("tensors")[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Null, message.GetProperty("signature").ValueKind);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x93, 0x01, 0x02 })]
    [InlineData(new byte[] { 0xff, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef })]
    public async Task Garbage_IsOneClearLine_Exit1(byte[] content)
    {
        await File.WriteAllBytesAsync(_dir["garbage.bin"], content);

        var run = await CliRun.InProcessAsync("inspect", _dir["garbage.bin"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.Contains(_dir["garbage.bin"], run.Error, StringComparison.Ordinal);
        Assert.Contains("neither an EdgeFL model file", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task AMissingFileOrADirectory_IsOneLineNamingIt_Exit1()
    {
        var missing = await CliRun.InProcessAsync("inspect", _dir["nope.msgpack"]);
        var directory = await CliRun.InProcessAsync("inspect", _dir.Path);

        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"edgefl inspect: {_dir["nope.msgpack"]}: no such file", missing.Error.Trim());
        Assert.Equal(1, directory.ExitCode);
        Assert.Contains("is a directory", directory.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoPath_IsUsage_Exit2()
    {
        var run = await CliRun.InProcessAsync("inspect");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("inspect <PATH> [options]", run.Error, StringComparison.Ordinal);
    }
}
