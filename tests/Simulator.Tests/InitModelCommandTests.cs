using EdgeFL.Core.Storage;

namespace EdgeFL.Simulator.Tests;

public sealed class InitModelCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-init-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("mlp", 25818)]
    [InlineData("mobilenet", 0)]
    public async Task InitModel_WritesAModelFile_ThatLoads(string model, long expectedElements)
    {
        string path = Path.Combine(_dir, model + ".efm");
        int code = await InitModelCommand.RunAsync(["--out", path, "--model", model, "--seed", "3"], TextWriter.Null);
        Assert.Equal(0, code);

        var loaded = await ModelFile.LoadAsync(path);
        Assert.Equal(0, loaded.Round);
        Assert.Equal("fmnist-" + model, loaded.ModelId);
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
    public async Task InitModel_WithoutOut_SaysSo()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => InitModelCommand.RunAsync(["--model", "mlp"], TextWriter.Null));
        Assert.Contains("--out", ex.Message, StringComparison.Ordinal);
    }
}
