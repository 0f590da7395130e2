using System.Buffers;
using System.Security.Cryptography;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging.Chunking;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Messaging.Tests.Fuzz;

/// <summary>
/// Ingress: chunk messages (PROTOCOL.md 6.4), as the cloud takes chunked uploads and the gateway chunked global
/// models. 10,000 mutated and random payloads from three senders go into one <see cref="ChunkAssembler"/>. None may
/// throw; the limits hold after every input; a whole handed on is never over the receiver's limit and always
/// matches the SHA-256 its chunk declares. Afterwards, once the idle transfers have timed out, a valid transfer
/// still completes with exactly its bytes.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class ChunkFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const long MaxWhole = 64 * 1024;
    private readonly string _dir = FuzzCampaign.ScratchDirectory("chunks");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedChunks_NeverThrow_KeepTheLimits_AndHandOnOnlyVerifiedWholes()
    {
        var time = new ManualTimeProvider(manualTimers: true);
        var options = new ChunkingOptions { Directory = _dir, MaxTransfers = 8, MaxTransfersPerSender = 2, MaxPendingBytes = 1024 * 1024, TransferTimeout = TimeSpan.FromSeconds(30) };
        using var assembler = new ChunkAssembler(options, MaxWhole, NullLogger.Instance, time: time);
        var rng = new Random(FuzzCampaign.Seed);
        var seeds = new List<byte[]>();
        foreach (int size in new[] { 3_000, 9_000, 20_000, 60_000 })
        {
            var whole = new byte[size];
            rng.NextBytes(whole);
            seeds.AddRange(ChunkCodec.Split(whole, 4096));
        }

        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        string[] topics = ["edgefl/v1/cloud/uploads/gw-1", "edgefl/v1/cloud/uploads/gw-2", "edgefl/v1/cloud/global"];
        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            i => new FuzzCase(mutator.Next(seeds, out string how), how, topics[i % topics.Length]),
            c =>
            {
                var payload = new ReadOnlySequence<byte>(c.Bytes);
                byte[]? whole = assembler.Take(c.Target, payload);
                Assert.InRange(assembler.OpenTransfers, 0, options.MaxTransfers);
                Assert.InRange(assembler.PendingBytes, 0, options.MaxPendingBytes);
                if (whole is null)
                {
                    return false;
                }

                Assert.True(whole.Length <= MaxWhole);
                Assert.True(ChunkCodec.TryDecode(payload, out var last, out _), "a whole came out of an input that is not a chunk");
                Assert.Equal(last!.Sha256.ToArray(), SHA256.HashData(whole));
                Assert.Equal(last.TotalLength, whole.Length);
                return true;
            });

        output.WriteLine($"chunk ingress: {result}; {assembler.Metrics.Completed} transfers completed, rejected {string.Join(", ", assembler.Metrics.RejectedByReason.Select(kv => $"{kv.Key} {kv.Value}"))}; failed {string.Join(", ", assembler.Metrics.FailedByReason.Select(kv => $"{kv.Key} {kv.Value}"))}; open {assembler.OpenTransfers}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0, result.ToString());

        // What the flood left open times out; then an honest transfer completes.
        time.Advance(options.TransferTimeout + TimeSpan.FromSeconds(20));
        Assert.Equal(0, assembler.OpenTransfers);
        var honest = new byte[50_000];
        rng.NextBytes(honest);
        byte[]? reassembled = null;
        foreach (byte[] chunk in ChunkCodec.Split(honest, 4096).Reverse())
        {
            reassembled ??= assembler.Take("edgefl/v1/cloud/uploads/gw-9", new ReadOnlySequence<byte>(chunk));
        }

        Assert.Equal(honest, reassembled);
    }
}
