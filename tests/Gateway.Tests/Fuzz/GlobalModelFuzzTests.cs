using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.CloudLink;
using EdgeFL.CloudLink.Outbox;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Signing;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Messaging;
using EdgeFL.Storage;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// Ingress 3, the cloud's global model: 10,000 mutated and random payloads through the gateway's adopt
/// path: the uplink's handler (size check, signature check, decoding, newest round kept), then, as
/// the round loop does for a newer global model, RoundCoordinator.Adopt (layout, finite values). Batches
/// take turns: a gateway that requires the cloud's signature (seeds signed by the cloud's key; a mutation
/// anywhere must make the model rejected), and one with no key configured (unsigned models taken
/// unchecked), so that mutated models reach decoding and adoption; each on a gateway that already holds
/// a model or on one still waiting for its first (the start-up path). A model is adopted exactly when it
/// passes an independent verifier, decodes and is fit (<see cref="ModelOracle"/>); rounds still run after.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class GlobalModelFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = FuzzCampaign.ScratchDirectory("global-model");

    private const int PerBatch = 50;
    private static readonly TopicScheme Topics = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedGlobalModels_AreAdopted_OnlyWhenSignedAndFit()
    {
        var keys = new TestKeys(_dir);
        using var cloud = keys.Signer("cloud");
        using var db = StateDatabase.Open(StateDatabase.InMemory, DurableOutbox.Schema, NullLogger.Instance);
        var outbox = new DurableOutbox(db, new OutboxOptions(), NullLogger.Instance);
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        var limits = DecodeLimits.Default with { MaxPayloadBytes = new CloudUplinkOptions().MaxModelBytes };
        Batch? batch = null;
        int adopted = 0;

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            i =>
            {
                if (i % PerBatch == 0)
                {
                    batch?.Dispose();
                    int kind = i / PerBatch % 4;
                    batch = new Batch(outbox, holdsModel: kind % 2 == 0, kind < 2 ? cloud : null, keys, mutator.Random);
                }

                return new FuzzCase(mutator.Next(batch!.Seeds, out string how), how, Topics.CloudGlobalModel);
            },
            c =>
            {
                bool taken = batch!.Offer(c.Bytes, limits);
                adopted += taken ? 1 : 0;
                return taken;
            });

        output.WriteLine($"global model ingress: {result}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(adopted > 0 && result.Refused > 0, result.ToString());

        // A round still runs on the last adopted model.
        var coordinator = batch!.Coordinator;
        if (!coordinator.HasModel)
        {
            coordinator.Adopt(TestModels.Message(TestModels.Filled(0)));
        }

        var model = coordinator.BeginRound();
        var layout = coordinator.Snapshot(0).Model;
        Assert.Equal(AdmissionOutcome.Accepted, coordinator.OnUpdate("a", new ReadOnlySequence<byte>(WireCodec.Encode(TestModels.Update("a", model.Round, 10, layout)))));
        Assert.True(coordinator.CloseRound(RoundCloseReason.Quorum).ModelUpdated);
        batch.Dispose();
    }

    /// <summary>One uplink and one coordinator, fed mutated global models; the oracle follows what they must hold.</summary>
    private sealed class Batch : IDisposable
    {
        private readonly CloudUplink _uplink;
        private readonly ModelVerifier _oracleVerifier;
        private long _lastAdopted = -1;
        private long _uplinkRound = long.MinValue;

        /// <param name="signer">The cloud's signer: the gateway requires its signature. Null: no key configured, unsigned models taken.</param>
        public Batch(DurableOutbox outbox, bool holdsModel, ModelSigner? signer, TestKeys keys, Random rng)
        {
            ModelVerifier Verifier() => signer is null ? new ModelVerifier([], requireSigned: false) : keys.Verifier("cloud");
            _oracleVerifier = Verifier();
            _uplink = new CloudUplink(new CloudUplinkOptions(), "gw", Topics, outbox, Verifier(), NullLogger.Instance);
            Coordinator = new RoundCoordinator(new GatewayOptions { GatewayId = "gw" }, new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider());
            var start = TestModels.Filled(0);
            if (holdsModel)
            {
                Coordinator.Adopt(TestModels.Message(start, round: 5));
                _lastAdopted = 5;
            }

            Seeds = Enumerable.Range(0, 8).Select(k =>
            {
                var seed = ModelOracle.Perturbed(start, rng);
                var message = new ModelMessage("mlp", 6 + k, "cloud", rng.Next(1, 100_000), DateTimeOffset.UnixEpoch.AddDays(k), k % 3 == 0 ? Quantizer.Quantize(seed) : seed, k == 1 ? ["dev-1", "dev-2"] : null);
                return signer?.Encode(message) ?? WireCodec.Encode(message);
            }).ToList();
        }

        public RoundCoordinator Coordinator { get; }

        public List<byte[]> Seeds { get; }

        /// <summary>One payload on the global model topic; true when it was adopted.</summary>
        public bool Offer(byte[] payload, DecodeLimits limits)
        {
            ModelState? before = Coordinator.HasModel ? Coordinator.Snapshot(0).Model : null;
            long version = Coordinator.Version;
            _uplink.OnGlobalAsync(new InboundMessage(Topics.CloudGlobalModel, new ReadOnlySequence<byte>(payload), Retain: true), CancellationToken.None).GetAwaiter().GetResult();

            // What the uplink must now hold: the newest model so far that verifies and decodes.
            bool decodes = _oracleVerifier.TryDecode(new ReadOnlySequence<byte>(payload), limits, out ModelMessage? message, out _);
            if (decodes && message!.Round > _uplinkRound)
            {
                _uplinkRound = message.Round;
                Assert.Equal(message.Round, _uplink.LatestGlobal!.Round);
            }

            // CloudSync.AdoptNewerGlobal: a global model newer than the last one adopted is offered once.
            if (_uplink.LatestGlobal is not { } global || global.Round <= _lastAdopted)
            {
                Assert.Same(before, Coordinator.HasModel ? Coordinator.Snapshot(0).Model : null);
                return false;
            }

            _lastAdopted = global.Round;
            bool taken = Coordinator.Adopt(global).IsAccepted;
            string? unfit = ModelOracle.Unfit(message!.Model, message.Round, before);
            Assert.True(taken == (unfit is null), taken ? "adopted, though it is unfit" : $"refused a fit model");
            if (!taken)
            {
                Assert.Equal(version, Coordinator.Version);
                return false;
            }

            Assert.Equal(Math.Max(version, global.Round), Coordinator.Version);
            var opened = Coordinator.BeginRound();
            Assert.Equal(Coordinator.Version + 1, opened.Round);
            Coordinator.CloseRound(RoundCloseReason.Deadline);
            return true;
        }

        public void Dispose()
        {
            _oracleVerifier.Dispose();
            _uplink.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
