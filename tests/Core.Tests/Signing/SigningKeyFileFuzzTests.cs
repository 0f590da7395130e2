using System.Buffers;
using System.Security.Cryptography;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Xunit.Abstractions;

namespace EdgeFL.Core.Tests.Signing;

/// <summary>
/// Ingress 5, files read at start-up: the model-signing key files (*:Signing:PrivateKeyPath, read by
/// ModelSigner.Load; the trusted public keys, *:Signing:*PublicKeyPath, read by ModelVerifier.FromFile).
/// 10,000 mutated files of each kind (byte mutations, and PEM-aware ones: base64 truncated or with a
/// wrong character, labels swapped, several blocks with garbage between them, keys on other curves and
/// of other algorithms, an encrypted key, the DER inside changed and re-encoded: another private scalar,
/// 0, n, a public point off the curve or another key's).
/// <para>
/// Each file is refused with an InvalidDataException naming it (nothing else: no CryptographicException,
/// no ArgumentException), or loaded as what it must be. A private key: a P-256 key whose public point is
/// its private scalar's, that signs a model which then verifies under that public key and under no other
/// (and not once tampered with). Public keys: only P-256 keys, one for each PUBLIC KEY block, every
/// BEGIN line in the file part of a block that was read; a model verifies exactly when signed by one of
/// them: never when signed by a key the file does not hold.
/// </para>
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class SigningKeyFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private static readonly ModelMessage Model = TestModels.ModelMessage(TestModels.Small(new Random(3)));

    private readonly string _dir = FuzzCampaign.ScratchDirectory("signing-keys");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedPrivateKeyFiles_AreRefusedByName_OrSignAsTheKeyTheyHold()
    {
        string path = Path.Combine(_dir, "cloud.key");
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        using var corpus = new SigningKeyCorpus(mutator.Random);
        using var others = new Signers(corpus);

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ => Next(mutator, corpus, corpus.PrivateSeeds, path),
            c =>
            {
                File.WriteAllBytes(path, c.Bytes);
                ModelSigner signer;
                try
                {
                    signer = ModelSigner.Load(path);
                }
                catch (InvalidDataException ex)
                {
                    Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                    return false;
                }

                using (signer)
                {
                    // The file: one private key (and at most OpenSSL's EC PARAMETERS), every block read, each one DER value.
                    string text = File.ReadAllText(path);
                    var labels = PemBlocks.Labels(text);
                    Assert.Equal(1, labels.Count(l => l is "PRIVATE KEY" or "EC PRIVATE KEY"));
                    Assert.All(labels, l => Assert.True(l is "PRIVATE KEY" or "EC PRIVATE KEY" or "EC PARAMETERS", $"a '{l}' block in a private key file"));
                    Assert.True(PemBlocks.AllWellFormed(text), "a BEGIN line that starts no readable block was ignored");
                    Assert.True(PemBlocks.OneDerValueEach(text, "PRIVATE KEY") && PemBlocks.OneDerValueEach(text, "EC PRIVATE KEY"), "bytes after the key");

                    // The key: P-256, and its public point the one its private scalar gives (derived here, not read).
                    using var key = SigningKeyFiles.LoadPrivateKey(path);
                    AssertP256(key);
                    var held = key.ExportParameters(includePrivateParameters: true);
                    using var derived = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = held.D });
                    var q = derived.ExportParameters(includePrivateParameters: false).Q;
                    Assert.True(q.X!.AsSpan().SequenceEqual(held.Q.X) && q.Y!.AsSpan().SequenceEqual(held.Q.Y), "the file's public point is not its private key's");
                    Assert.Equal(SigningKeyFiles.KeyId(derived), signer.KeyId);

                    // It signs a model that verifies under its public key, and under no other.
                    byte[] signed = signer.Encode(Model);
                    using var verifier = new ModelVerifier([ECDsa.Create(derived.ExportParameters(includePrivateParameters: false))], requireSigned: true);
                    Assert.True(verifier.TryDecode(new ReadOnlySequence<byte>(signed), DecodeLimits.Default, out var decoded, out var rejection), rejection.ToString());
                    Assert.Equal((Model.Round, Model.Model.Tensors.Count), (decoded.Round, decoded.Model.Tensors.Count));
                    Assert.False(verifier.Check(new ReadOnlySequence<byte>(Tampered(signed, mutator.Random))).IsAccepted, "a tampered model verified");
                    foreach (var (id, other) in others.Verifiers)
                    {
                        Assert.True(other.Check(new ReadOnlySequence<byte>(signed)).IsAccepted == (id == signer.KeyId), $"a verifier trusting key {id} took a model signed by {signer.KeyId}");
                    }
                }

                return true;
            });

        output.WriteLine($"private key file ingress: {result}");
        AssertCampaign(result);
    }

    [Fact]
    public void MutatedPublicKeyFiles_AreRefusedByName_OrTrustExactlyTheKeysTheyHold()
    {
        string path = Path.Combine(_dir, "cloud.pub");
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        using var corpus = new SigningKeyCorpus(mutator.Random);
        using var signers = new Signers(corpus);

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ => Next(mutator, corpus, corpus.PublicSeeds, path),
            c =>
            {
                File.WriteAllBytes(path, c.Bytes);
                ModelVerifier verifier;
                try
                {
                    verifier = ModelVerifier.FromFile(path, requireSigned: true);
                }
                catch (InvalidDataException ex)
                {
                    Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                    return false;
                }

                using (verifier)
                {
                    // Only P-256 keys, one for each block, every block a PUBLIC KEY of one DER value, none left unread.
                    var keys = SigningKeyFiles.LoadPublicKeys(path);
                    try
                    {
                        Assert.All(keys, AssertP256);
                        string text = File.ReadAllText(path);
                        var labels = PemBlocks.Labels(text);
                        Assert.All(labels, l => Assert.Equal("PUBLIC KEY", l));
                        Assert.Equal(labels.Count, keys.Count);
                        Assert.True(PemBlocks.AllWellFormed(text), "a BEGIN line that starts no readable block was ignored");
                        Assert.True(PemBlocks.OneDerValueEach(text, "PUBLIC KEY"), "bytes after a key");
                        Assert.Equal(keys.Select(SigningKeyFiles.KeyId), verifier.TrustedKeyIds);
                    }
                    finally
                    {
                        foreach (var key in keys)
                        {
                            key.Dispose();
                        }
                    }

                    // A model verifies exactly when its signer's key is one of the file's: never the stranger's.
                    foreach (var (id, signed) in signers.SignedModels)
                    {
                        bool trusted = verifier.TrustedKeyIds.Contains(id);
                        Assert.True(verifier.Check(new ReadOnlySequence<byte>(signed)).IsAccepted == trusted, $"key {id}, trusted {trusted}");
                        Assert.False(verifier.Check(new ReadOnlySequence<byte>(Tampered(signed, mutator.Random))).IsAccepted, "a tampered model verified");
                    }

                    Assert.DoesNotContain(signers.StrangerId, verifier.TrustedKeyIds);
                }

                return true;
            });

        output.WriteLine($"public key file ingress: {result}");
        AssertCampaign(result);
    }

    private static FuzzCase Next(FuzzMutator mutator, SigningKeyCorpus corpus, IReadOnlyList<byte[]> seeds, string path) =>
        mutator.Random.Next(3) == 0
            ? new FuzzCase(mutator.Next(seeds, out string how), how, path)
            : new FuzzCase(corpus.Mutate(seeds, out string pemHow), pemHow, path);

    private static void AssertP256(ECDsa key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        Assert.True(key.KeySize == 256 && curve.IsNamed && (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256"), $"{key.KeySize} bits, curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "(explicit)"}");
    }

    private static byte[] Tampered(byte[] signed, Random rng)
    {
        byte[] copy = (byte[])signed.Clone();
        copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    private static void AssertCampaign(FuzzResult result)
    {
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > result.Inputs / 40 && result.Refused > result.Inputs / 4, result.ToString());
    }

    /// <summary>The corpus's P-256 keys as signers of one model each, and as verifiers.</summary>
    private sealed class Signers : IDisposable
    {
        private readonly List<IDisposable> _owned = [];

        public Signers(SigningKeyCorpus corpus)
        {
            foreach (var key in new[] { corpus.Cloud, corpus.Gateway, corpus.Stranger })
            {
                var signer = new ModelSigner(ECDsa.Create(key.ExportParameters(includePrivateParameters: true)));
                var verifier = signer.CreateVerifier();
                _owned.Add(signer);
                _owned.Add(verifier);
                SignedModels.Add((signer.KeyId, signer.Encode(Model)));
                Verifiers.Add((signer.KeyId, verifier));
            }

            StrangerId = SigningKeyFiles.KeyId(corpus.Stranger);
        }

        public List<(string KeyId, byte[] Signed)> SignedModels { get; } = [];

        public List<(string KeyId, ModelVerifier Verifier)> Verifiers { get; } = [];

        public string StrangerId { get; }

        public void Dispose() => _owned.ForEach(o => o.Dispose());
    }
}
