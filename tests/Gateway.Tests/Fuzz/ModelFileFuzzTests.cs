using EdgeFL.CloudBridge;
using EdgeFL.CloudLink;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// Ingress 5, files read at start-up: the initial model file (Gateway:InitialModelPath,
/// Cloud:InitialModelPath). 10,000 mutated files are read as both services start: FileModelSeed
/// (ModelFile.LoadAsync), then the gateway's RoundCoordinator.Adopt and the cloud's CloudAggregator.Adopt.
/// A file that does not decode gives InvalidDataException naming it (the service refuses to start, with
/// that message) and nothing else; a decoded model is adopted by both exactly when it is fit.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class ModelFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = FuzzCampaign.ScratchDirectory("model-file");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedModelFiles_AreRefusedClearly_OrAdoptedOnlyWhenFit()
    {
        string path = Path.Combine(_dir, "initial-model.msgpack");
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        var corpus = Enumerable.Range(0, 6).Select(k => WireCodec.Encode(new ModelMessage(
            "mlp", k, k % 2 == 0 ? "cloud" : "gw", k, DateTimeOffset.UnixEpoch, ModelOracle.Perturbed(TestModels.Filled(0), mutator.Random)))).ToList();
        int unreadable = 0;

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ => new FuzzCase(mutator.Next(corpus, out string how), how, path),
            c =>
            {
                File.WriteAllBytes(path, c.Bytes);
                ModelMessage? seed;
                try
                {
                    seed = new FileModelSeed(path).LoadAsync().GetAwaiter().GetResult();
                }
                catch (InvalidDataException ex)
                {
                    Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                    unreadable++;
                    return false;
                }

                string? unfit = ModelOracle.Unfit(seed!.Model, seed.Round, null);
                var gateway = new RoundCoordinator(new GatewayOptions(), new GatewayMetrics(), NullLogger.Instance, new ManualTimeProvider());
                var cloud = new CloudAggregator(new CloudAggregatorOptions(), NullLogger.Instance, new ManualTimeProvider());
                bool byGateway = gateway.Adopt(seed).IsAccepted;
                bool byCloud = cloud.Adopt(seed with { Source = "cloud" }).IsAccepted;
                Assert.True(byGateway == (unfit is null) && byCloud == (unfit is null), $"gateway {byGateway}, cloud {byCloud}, oracle: {unfit ?? "fit"}");
                if (byGateway)
                {
                    Assert.True(gateway.BeginRound().Round > gateway.Version);
                }

                return byGateway;
            });

        output.WriteLine($"model file ingress: {result}; unreadable {unreadable}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && unreadable > 0 && result.Refused > unreadable, result.ToString());
    }
}
