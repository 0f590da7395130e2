using EdgeFL.Core.Storage;

namespace EdgeFL.Cli.Tests;

/// <summary><c>edgefl init-model</c> writes a loadable round-0 model without TorchSharp.</summary>
public sealed class InitModelCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("mlp", 25818)]
    [InlineData("mobilenet", 0)]
    public async Task InitModel_WritesAModelFile_ThatLoads(string model, long expectedElements)
    {
        string path = _dir[Path.Combine("sub", model + ".msgpack")];
        var run = await CliRun.InProcessAsync("init-model", "--model", model, "--seed", "3", "--out", path);

        Assert.True(run.ExitCode == 0, run.ToString());
        var loaded = await ModelFile.LoadAsync(path);
        Assert.Equal(("fmnist-" + model, 0L, 0L), (loaded.ModelId, loaded.Round, loaded.TotalSamples));
        if (expectedElements > 0)
        {
            Assert.Equal(expectedElements, loaded.Model.ElementCount);
        }
        else
        {
            Assert.Contains(loaded.Model.Tensors, t => t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task InitModel_SameSeed_SameWeights_OtherSeed_Others()
    {
        Assert.Equal(0, (await CliRun.InProcessAsync("init-model", "--seed", "7", "--out", _dir["a"])).ExitCode);
        Assert.Equal(0, (await CliRun.InProcessAsync("init-model", "--seed", "7", "--out", _dir["b"])).ExitCode);
        Assert.Equal(0, (await CliRun.InProcessAsync("init-model", "--seed", "8", "--out", _dir["c"])).ExitCode);

        var (a, b, c) = (await ModelFile.LoadAsync(_dir["a"]), await ModelFile.LoadAsync(_dir["b"]), await ModelFile.LoadAsync(_dir["c"]));
        Assert.Equal(a.Model.Tensors[0].Data.ToArray(), b.Model.Tensors[0].Data.ToArray());
        Assert.NotEqual(a.Model.Tensors[0].Data.ToArray(), c.Model.Tensors[0].Data.ToArray());
    }

    [Fact]
    public async Task InitModel_NeverOverwritesAFile()
    {
        await File.WriteAllTextAsync(_dir["m"], "keep");

        var run = await CliRun.InProcessAsync("init-model", "--out", _dir["m"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("never overwrites", run.Error, StringComparison.Ordinal);
        Assert.Equal("keep", await File.ReadAllTextAsync(_dir["m"]));
    }

    [Theory]
    [InlineData("--model", "resnet")]
    [InlineData("--seed", "-1")]
    public async Task InitModel_BadOption_IsUsage_Exit2(string flag, string value)
    {
        var run = await CliRun.InProcessAsync("init-model", flag, value, "--out", _dir["x"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(flag, run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir["x"]));
    }
}
