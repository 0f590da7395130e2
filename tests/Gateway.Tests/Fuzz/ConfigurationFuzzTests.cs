using EdgeFL.Core.Rounds;
using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using EdgeFL.Gateway.Selection;
using EdgeFL.Messaging;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// Ingress 5, files read at start-up: the operator's configuration file ({config dir}/gateway.json,
/// read by the host's JSON provider, bound and validated by EdgeFL). 10,000 mutated files (byte
/// mutations, and JSON values swapped for hostile ones: NaN, huge numbers, negative or huge durations,
/// wrong types, empty strings) are read as the gateway starts. Each must either be refused with a
/// message naming the file or the key, or give options the gateway can run with: a round completes,
/// participant selection runs, and every duration is one the timers accept.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed partial class ConfigurationFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] HostileValues =
    [
        "NaN", "-1", "0", "1e308", "-1e308", "9223372036854775807", "\"\"", "\" \"", "\"NaN\"", "\"Infinity\"", "\"-00:00:01\"",
        "\"10675199.02:48:05.4775807\"", "\"49.17:02:47\"", "\"24.20:31:23\"", "\"00:00:00\"", "true", "null", "[]", "{}", "\"0.0.0.0\"",
        "\"::\"", "\"a/b\"", "\"a+b\"", "\"cloud\"", "\"Reject\"", "\"clip\"", "\"7\"", "\"median\"", "\"trimmed-mean\"", "\"Energy\"", "0.5", "2",
    ];

    private readonly string _dir = FuzzCampaign.ScratchDirectory("config");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedConfigurationFiles_AreRefusedByName_OrRunnable()
    {
        string model = Path.Combine(_dir, "initial.msgpack");
        File.WriteAllBytes(model, WireCodec.Encode(TestModels.Message(TestModels.Filled(0))));
        string path = Path.Combine(_dir, "gateway.json");
        var keys = new TestKeys(_dir);
        var corpus = new List<byte[]> { Encoding.UTF8.GetBytes(ValidJson(model, keys.PrivateKey("gateway"), keys.PublicKey("cloud"))) };
        var mutator = new FuzzMutator(FuzzCampaign.Seed);
        int unreadable = 0, refused = 0, ratioBounded = 0;

        var result = FuzzCampaign.Run(
            FuzzCampaign.Iterations(),
            _ =>
            {
                if (mutator.Random.Next(2) == 0)
                {
                    return new FuzzCase(mutator.Next(corpus, out string how), how, path);
                }

                // A JSON-aware change: one to three values replaced by hostile ones.
                string json = Encoding.UTF8.GetString(corpus[0]);
                var values = JsonValue().Matches(json);
                var steps = new List<string>();
                for (int n = 1 + mutator.Random.Next(3); n > 0; n--)
                {
                    var m = values[mutator.Random.Next(values.Count)];
                    string hostile = HostileValues[mutator.Random.Next(HostileValues.Length)];
                    json = json.Replace(m.Value, $"\"{m.Groups[1].Value}\": {hostile}", StringComparison.Ordinal);
                    steps.Add($"{m.Groups[1].Value}={hostile}");
                }

                return new FuzzCase(Encoding.UTF8.GetBytes(json), string.Join(", ", steps), path);
            },
            c =>
            {
                File.WriteAllBytes(path, c.Bytes);
                switch (Start(path, out bool ratio))
                {
                    case null:
                        ratioBounded += ratio ? 1 : 0;
                        return true;
                    case true:
                        unreadable++;
                        break;
                    default:
                        refused++;
                        break;
                }

                return false;
            });

        output.WriteLine($"gateway.json ingress: {result}; unreadable {unreadable}, refused by key {refused}; runnable with the ratio bound applied {ratioBounded}");
        Assert.True(result.Inputs >= FuzzCampaign.MinimumInputs);
        Assert.True(result.Accepted > 0 && unreadable > 0 && refused > 0 && ratioBounded > 0, result.ToString());
    }

    /// <summary>
    /// Null when the gateway could start and run (<paramref name="ratioBounded"/>: and an update was held to
    /// Updates:MaxNormRatio); true when the file is unreadable (named); false when a key is refused (named).
    /// </summary>
    private static bool? Start(string path, out bool ratioBounded)
    {
        ratioBounded = false;
        IConfiguration configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonFile(path, optional: false).Build();
        }
        catch (InvalidDataException ex)
        {
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            return true;
        }

        GatewayOptions options;
        SelectionOptions selection;
        List<string> failures;
        try
        {
            options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
            selection = configuration.GetSection(SelectionOptions.Section).Get<SelectionOptions>() ?? new SelectionOptions();
            failures = new GatewayOptionsValidator(configuration).Validate(null, options).Failures?.ToList() ?? [];
            failures.AddRange(new SelectionOptionsValidator().Validate(null, selection).Failures ?? []);
        }
        catch (InvalidOperationException ex)
        {
            Assert.Contains("'Gateway:", ex.Message, StringComparison.Ordinal); // the binder names the key it cannot convert
            return false;
        }

        if (failures.Count > 0)
        {
            Assert.All(failures, f => Assert.Contains("Gateway:", f, StringComparison.Ordinal)); // each names its key
            return false;
        }

        ratioBounded = Run(options, selection);
        return null;
    }

    /// <summary>What the gateway does with its options at start and in two rounds: none of it may throw. True when the ratio bound applied.</summary>
    private static bool Run(GatewayOptions options, SelectionOptions selection)
    {
        _ = new TopicScheme(options.TopicPrefix).DeviceUpdateFilter(options.GatewayId);
        _ = EmbeddedBrokerOptions.LoopbackFor(options.Broker.BindAddress);
        var time = new ManualTimeProvider();
        var metrics = new GatewayMetrics();
        var rounds = new RoundCoordinator(options, metrics, NullLogger.Instance, time);
        Assert.True(rounds.Adopt(TestModels.Message(Changed(null, 0))).IsAccepted);
        var selector = new ParticipantSelector(selection, options, new FleetTelemetry(options, NullLogger<FleetTelemetry>.Instance, time), time, NullLogger<ParticipantSelector>.Instance);

        // Round 1: three devices make the same small change, which can become the reference of Updates:MaxNormRatio.
        var opened = rounds.BeginRound(selector.Choose(1, ["dev-a", "dev-b"]));
        Assert.Equal(AdmissionOutcome.Accepted, rounds.OnUpdate("dev-a", Update("dev-a", opened, options, HonestChange)));
        int accepted = 1 + new[] { "dev-b", "dev-c" }.Count(d => rounds.OnUpdate(d, Update(d, opened, options, HonestChange)) == AdmissionOutcome.Accepted);
        _ = rounds.IsQuorumReached(["dev-a"]);
        var first = rounds.CloseRound(RoundCloseReason.Quorum);
        Assert.True(options.Updates.MaxNormRatio == 0 || double.IsFinite(first.MedianUpdateNorm), $"the median norm with Updates:MaxNormRatio on: {first.MedianUpdateNorm}");

        // Round 2: a change far over the ratio's bound (and the absolute one's, if set) is clipped or rejected, as configured.
        bool reference = options.Updates.MaxNormRatio > 0 && accepted >= options.Updates.MinNormReference;
        double ratio = reference && options.Updates.MaxNormRatio <= 1e6 ? options.Updates.MaxNormRatio : 1;
        float scaled = HonestChange * 10 * (float)ratio;
        double bound = Math.Min(
            options.Updates.MaxUpdateNorm > 0 ? options.Updates.MaxUpdateNorm : double.PositiveInfinity,
            reference ? options.Updates.MaxNormRatio * Norm(HonestChange) : double.PositiveInfinity);
        bool over = Norm(scaled) > bound;
        long clipped = metrics.Clipped;
        opened = rounds.BeginRound();
        var outcome = rounds.OnUpdate("dev-d", Update("dev-d", opened, options, scaled));
        var expected = over && options.Updates.NormPolicy == Core.Validation.NormPolicy.Reject ? AdmissionOutcome.NormTooLarge : AdmissionOutcome.Accepted;
        Assert.True(outcome == expected && metrics.Clipped - clipped == (over && expected == AdmissionOutcome.Accepted ? 1 : 0), $"a change of norm {Norm(scaled):G4} against a bound of {bound:G4} ({options.Updates.NormPolicy}): {outcome}, clipped {metrics.Clipped - clipped}");
        rounds.CloseRound(RoundCloseReason.Deadline);

        // The round loop's timers: the wait for devices before the first round (what is left of the
        // timeout, at most 1 s at a time, as RoundScheduler waits), a pause between rounds, the wait for
        // the global model.
        Assert.True(options.Rounds.WaitForDevices >= 0);
        var remaining = options.Rounds.WaitForDevicesTimeout - time.GetElapsedTime(time.GetTimestamp());
        _ = Task.Delay(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1), new CancellationToken(canceled: true));
        using var cts = new CancellationTokenSource();
        cts.CancelAfter(options.Rounds.GlobalModelTimeout);
        _ = Task.Delay(options.Rounds.Pause, new CancellationToken(canceled: true));
        _ = Task.Delay(options.Rounds.Deadline < TimeSpan.FromSeconds(1) ? options.Rounds.Deadline : TimeSpan.FromSeconds(1), new CancellationToken(canceled: true));
        return reference && over;
    }

    private const float HonestChange = 0.001f;

    /// <summary>
    /// The round's model (or zeros) with <paramref name="change"/> added to every float, subtracted from one:
    /// a change of L2 norm <see cref="Norm"/>.
    /// </summary>
    private static ModelState Changed(ModelState? model, float change)
    {
        float[] w = model?.Tensors[0].AsFloat32().ToArray() ?? new float[6];
        float[] b = model?.Tensors[1].AsFloat32().ToArray() ?? new float[2];
        return new(
        [
            NamedTensor.FromFloat32("w", [2, 3], [.. w.Select(v => v + change)]),
            NamedTensor.FromFloat32("b", [2], [b[0] + change, b[1] - change]),
            NamedTensor.FromInt64("steps", [], [0]),
        ]);
    }

    private static double Norm(float change) => Math.Sqrt(8) * change;

    private static ReadOnlySequence<byte> Update(string device, ModelMessage round, GatewayOptions options, float change) =>
        new(WireCodec.Encode(TestModels.Update(device, round.Round, options.Updates.MinSampleCount, Changed(round.Model, change))));

    private static string ValidJson(string model, string privateKey, string cloudKey) => $$"""
        {
          "Gateway": {
            "GatewayId": "gw-1",
            "TopicPrefix": "edgefl/v1",
            "InitialModelPath": "{{model}}",
            "StateDirectory": ":memory:",
            "Broker": { "Embedded": true, "BindAddress": "127.0.0.1", "Host": "127.0.0.1", "Port": 1883, "SocketBufferBytes": 1048576, "AllowAnonymous": true },
            "Signing": { "PrivateKeyPath": "{{privateKey}}", "CloudPublicKeyPath": "{{cloudKey}}", "RequireSignedModels": true },
            "Rounds": { "QuorumFraction": 0.8, "Deadline": "00:01:00", "MinUpdates": 1, "MaxRounds": 0, "Pause": "00:00:01", "SyncEvery": 5, "GlobalModelTimeout": "00:02:00", "WaitForDevices": 2, "WaitForDevicesTimeout": "00:05:00" },
            "Updates": { "MaxBytes": 67108864, "MinSampleCount": 1, "MaxSampleCount": 10000000, "MaxUpdateNorm": 10, "NormPolicy": "Reject", "MaxNormRatio": 3, "MinNormReference": 3 },
            "Aggregation": { "Strategy": "fedavg", "TrimFraction": 0.1, "ClipNorm": 0, "MaxUpdates": 64 },
            "Staleness": { "MaxRounds": 3, "Exponent": 0.5 },
            "Selection": { "Mode": "Energy", "MinBatteryLevel": 0.3, "TrainingBudget": "00:00:50", "ParticipantFraction": 0.8, "MaxSkippedRounds": 5, "TelemetryMaxAge": "00:10:00" },
            "Outbox": { "MaxMessages": 1000, "MaxBytes": 536870912, "MaxAttempts": 5, "CoalesceModelUploads": true },
            "Cloud": { "Enabled": true, "Host": "127.0.0.1", "Port": 1884, "SocketBufferBytes": 1048576, "MaxModelBytes": 268435456, "SessionExpirySeconds": 604800 }
          }
        }
        """;

    [GeneratedRegex("\"(\\w+)\": (\"[^\"]*\"|[-\\w.:]+)")]
    private static partial Regex JsonValue();
}
