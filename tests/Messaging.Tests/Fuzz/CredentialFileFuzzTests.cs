using System.Text;
using EdgeFL.Messaging.Security;
using EdgeFL.Tests.Shared;
using Xunit.Abstractions;

namespace EdgeFL.Messaging.Tests.Fuzz;

/// <summary>
/// Ingress 5, files read at start-up: a broker's credential file (Gateway:Broker:CredentialsPath,
/// Cloud:CredentialsPath), read at start and again whenever it changes. 10,000 mutated files (byte
/// mutations, and JSON-aware ones: a salt, hash, date or version swapped for a hostile value, an id
/// renamed to an invalid, reserved, escaped or duplicate one, a client duplicated or removed, the
/// structure broken) are read twice each: by a broker starting on it (LoadOrThrow), and by a running
/// broker that held a good file when this one replaced it.
/// <para>
/// At start, a file is refused with an InvalidDataException naming it exactly when it breaks the
/// format's rules (<see cref="CredentialFileOracle"/>); a loaded file provisions exactly the ids it
/// states, and a secret verifies exactly when the file's salt and hash say so: provisioned secrets,
/// each other's, and secrets nobody holds (never). While running, a refused file changes nothing (the
/// last good set is kept, as CredentialFile documents) and a readable one replaces the set. Verify
/// never throws.
/// </para>
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class CredentialFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Ids that no seed file provisions: a mutation may make some of them appear.</summary>
    private static readonly string[] OtherIds = ["dev-1", "DEV-01", "dev-01 ", "", "cloud", "$edgefl-service", "dev-03", "a/b", "dev-01\0", new string('d', 128)];

    private readonly string _dir = FuzzCampaign.ScratchDirectory("credentials");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedCredentialFiles_AreRefusedByName_OrVerifyExactlyWhatTheyState()
    {
        string path = Path.Combine(_dir, "gateway-credentials.json");
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        var corpus = new CredentialFileCorpus(mutator.Random);
        var good = CredentialFileOracle.Read(corpus.Good, out string goodProblem) ?? throw new InvalidOperationException(goodProblem);
        var time = new ManualTimeProvider();
        var stamp = new DateTime(2026, 1, 15, 0, 0, 0, DateTimeKind.Utc);

        // The running broker: started on the good file.
        Write(path, corpus.Good, ref stamp);
        var running = new CredentialFile(path, time);
        running.LoadOrThrow();
        AssertVerifiesAsStated(running, good, corpus, "the good file");

        int refused = 0, jsonAware = 0;
        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ =>
            {
                if (mutator.Random.Next(2) == 0)
                {
                    return new FuzzCase(mutator.Next(corpus.Seeds, out string how), how, path);
                }

                jsonAware++;
                return new FuzzCase(corpus.Mutate(out string jsonHow), jsonHow, path);
            },
            c =>
            {
                var expected = CredentialFileOracle.Read(c.Bytes, out string problem);

                // A broker starting on this file.
                Write(path, c.Bytes, ref stamp);
                var starting = new CredentialFile(path, time);
                bool loaded;
                try
                {
                    starting.LoadOrThrow();
                    loaded = true;
                }
                catch (InvalidDataException ex)
                {
                    Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                    Assert.True(expected is null, $"a valid file was refused: {ex.Message}");
                    loaded = false;
                    refused++;
                }

                if (loaded)
                {
                    Assert.True(expected is not null, $"garbage accepted: {problem}");
                    AssertVerifiesAsStated(starting, expected, corpus, "at start");
                }

                // A running broker holding the good file when this one replaces it (seen within a second).
                Write(path, corpus.Good, ref stamp);
                time.Advance(TimeSpan.FromSeconds(1.5));
                Assert.All(corpus.Secrets, s => Assert.True(running.Verify(s.Key, Encoding.UTF8.GetBytes(s.Value)), $"{s.Key}: the good file, reloaded"));
                Write(path, c.Bytes, ref stamp);
                time.Advance(TimeSpan.FromSeconds(1.5));
                if (expected is null)
                {
                    // The last good set kept. Each refusal re-reads the broken file: a few probes suffice.
                    foreach (var (id, secret) in corpus.Secrets)
                    {
                        Assert.True(running.Verify(id, Encoding.UTF8.GetBytes(secret)), $"{id}: the last good set was not kept");
                        Assert.False(running.Verify(id, Encoding.UTF8.GetBytes(corpus.WrongSecrets(id).First())), $"{id}: after a refused reload, a secret nobody holds verified");
                    }

                    Assert.Equal(good.Ids.Order(StringComparer.Ordinal), running.Ids.Order(StringComparer.Ordinal));
                }
                else
                {
                    AssertVerifiesAsStated(running, expected, corpus, "reloaded");
                }

                return loaded;
            });

        output.WriteLine($"credential file ingress: {result}; JSON-aware {jsonAware}, refused at start {refused}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > result.Inputs / 20 && refused > result.Inputs / 4, result.ToString());
    }

    /// <summary>Each write gets its own modification time, as edits seconds apart would.</summary>
    private static void Write(string path, byte[] bytes, ref DateTime stamp)
    {
        File.WriteAllBytes(path, bytes);
        stamp = stamp.AddSeconds(1);
        File.SetLastWriteTimeUtc(path, stamp);
    }

    private static void AssertVerifiesAsStated(CredentialFile file, CredentialFileOracle expected, CredentialFileCorpus corpus, string when)
    {
        foreach (string id in CredentialFileCorpus.Ids)
        {
            foreach (string secret in corpus.Secrets.Values)
            {
                bool verified = file.Verify(id, Encoding.UTF8.GetBytes(secret));
                Assert.True(expected.Verifies(id, secret) == verified, $"{when}: {id} with {(secret == corpus.Secrets[id] ? "its own" : "another id's")} secret: verified {verified}, the file says {!verified}");
            }

            foreach (string wrong in corpus.WrongSecrets(id))
            {
                Assert.False(file.Verify(id, Encoding.UTF8.GetBytes(wrong)), $"{when}: {id} verified with a secret nobody holds");
            }
        }

        foreach (string id in OtherIds)
        {
            foreach (string secret in corpus.Secrets.Values)
            {
                bool verified = file.Verify(id, Encoding.UTF8.GetBytes(secret));
                Assert.True(expected.Verifies(id, secret) == verified, $"{when}: '{id}' (not provisioned by the seeds): verified {verified}, the file says {!verified}");
            }
        }

        Assert.Equal(expected.Ids.Order(StringComparer.Ordinal), file.Ids.Order(StringComparer.Ordinal));
    }
}
