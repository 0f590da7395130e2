using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;

namespace EdgeFL.Cli.Tests;

/// <summary>
/// inspect on damaged files: state databases and model files with random byte mutations (and values of the
/// wrong type written through SQLite). Every one is either shown (exit 0) or refused in one line naming
/// the file (exit 1); nothing throws, and the file is left exactly as it was, with nothing beside it.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class InspectFuzzTests : IDisposable
{
    private readonly string _scratch = FuzzCampaign.ScratchDirectory("inspect");

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void DamagedFiles_AreShownOrRefusedInOneLine_AndNeverChanged()
    {
        var corpus = Corpus();
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        string path = Path.Combine(_scratch, "target");

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ => new FuzzCase(mutator.Next(corpus, out string how), how, "inspect"),
            input =>
            {
                File.WriteAllBytes(path, input.Bytes);
                var run = CliRun.InProcessAsync("inspect", path, "--rows", "5").GetAwaiter().GetResult();

                Assert.True(run.ExitCode is 0 or 1, run.ToString());
                Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
                if (run.ExitCode == 1)
                {
                    Assert.Single(run.Error.Trim().Split('\n'));
                    Assert.Contains(path, run.Error, StringComparison.Ordinal);
                }

                Assert.Equal(input.Bytes, File.ReadAllBytes(path));
                Assert.Equal(path, Assert.Single(Directory.GetFiles(_scratch)));
                return run.ExitCode == 0;
            });

        Assert.True(result.Accepted > 0 && result.Refused > 0, result.ToString());
    }

    private List<byte[]> Corpus()
    {
        string db = Path.Combine(_scratch, "seed.db");
        TestDatabases.Gateway(db).Dispose();
        byte[] valid = File.ReadAllBytes(db);
        File.Delete(db);
        var corpus = DatabaseVariants.Corpus(valid, _scratch, [
            "UPDATE kv SET value = 'twelve' WHERE key = 'version';",
            "UPDATE kv SET value = x'93010203' WHERE key = 'model';",
            "UPDATE outbox SET payload = x'deadbeef', bytes = -1;",
            "UPDATE journal SET payload = 3.5;",
        ]);
        foreach (string file in Directory.GetFiles(_scratch))
        {
            File.Delete(file);
        }

        string key = Path.Combine(_scratch, "k.key");
        using (var signer = new ModelSigner(SigningKeyFiles.Generate(key)))
        {
            corpus.Add(signer.Encode(TestModels.Model()));
        }

        File.Delete(key);
        File.Delete(SigningKeyFiles.PublicKeyPathFor(key));
        corpus.Add(WireCodec.Encode(TestModels.Update()));
        corpus.Add(WireCodec.Encode(TestModels.Upload()));
        return corpus;
    }
}
