using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.DeviceClient.Tests.Fuzz;

/// <summary>
/// Ingress 5, files read at start-up: the device's update buffer (device.db). 10,000 damaged database
/// files (bytes of a real buffer, some holding wrong values written through SQLite) are opened as the
/// device starts: StateDatabase.Open, then UpdateBuffer. Nothing may throw; every buffered update the
/// device would send must be an update message for the row's round; and the buffer still works after.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class UpdateBufferFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = FuzzCampaign.ScratchDirectory("device-db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DamagedBuffers_NeverStopTheDevice_NorYieldGarbage()
    {
        var corpus = Corpus();
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        int quarantined = 0;
        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ => new FuzzCase(mutator.Next(corpus, out string how), how),
            c =>
            {
                using var db = DatabaseVariants.OpenFresh(_dir, "device.db", c.Bytes, UpdateBuffer.Schema);
                quarantined += db.QuarantinedFile is null ? 0 : 1;
                var buffer = new UpdateBuffer(4, db);
                int kept = buffer.Count;
                Assert.InRange(kept, 0, 4);
                DrainAndCheck(buffer);
                buffer.Add(new BufferedUpdate(9, Encode(9)));
                Assert.Equal(9, buffer.Peek()!.Round);
                return kept > 0;
            });

        output.WriteLine($"device.db ingress: {result}; quarantined {quarantined}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && result.Refused > 0 && quarantined > 0, result.ToString());
    }

    /// <summary>Sends (removes) everything buffered, oldest first: each must be an update for its row's round.</summary>
    private static void DrainAndCheck(UpdateBuffer buffer)
    {
        while (buffer.Peek() is { } next)
        {
            Assert.True(WireCodec.TryDecodeUpdate(new ReadOnlySequence<byte>(next.Payload), DecodeLimits.Default, out var update, out var error), error.ToString());
            Assert.Equal(next.Round, update!.Round);
            buffer.Remove(next);
        }
    }

    private static byte[] Encode(long round) => WireCodec.Encode(new DeviceUpdate(
        "dev-1", round, 100, 0.5, 1, 0.1, DateTimeOffset.UnixEpoch, new ModelState([NamedTensor.FromFloat32("w", [4], [1, 2, 3, 4])])));

    private List<byte[]> Corpus()
    {
        string path = Path.Combine(_dir, "seed.db");
        using (var db = StateDatabase.Open(path, UpdateBuffer.Schema, NullLogger.Instance))
        {
            var buffer = new UpdateBuffer(4, db);
            for (long round = 1; round <= 3; round++)
            {
                buffer.Add(new BufferedUpdate(round, Encode(round)));
            }
        }

        string[] edits =
        [
            "UPDATE journal SET payload = 'text' WHERE round = 1;",
            "UPDATE journal SET round = 'two' WHERE round = 2;",
            "UPDATE journal SET round = 7 WHERE round = 3;",
            "UPDATE journal SET payload = x'81a176' WHERE round = 2;",
            "UPDATE journal SET payload = NULL;",
        ];
        return DatabaseVariants.Corpus(File.ReadAllBytes(path), _dir, edits);
    }
}
