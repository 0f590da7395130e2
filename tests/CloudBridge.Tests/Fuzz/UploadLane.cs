using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.CloudBridge.Tests.Fuzz;

/// <summary>
/// One CloudAggregator under fuzz for a batch of uploads, with an oracle that says, from the protocol's
/// rules (PROTOCOL.md 5.2) and an independent decode, what each outcome must be; an accepted upload must
/// be plainly sound. When the batch's sync rounds complete, each global model must be the weighted mean,
/// computed here in double, of exactly the uploads accepted for its round.
/// </summary>
internal sealed class UploadLane
{
    public const int Gateways = 8;
    private const long GlobalRound = 10;

    private readonly CloudAggregatorOptions _options;
    private readonly DecodeLimits _limits;
    private readonly ManualTimeProvider _time = new();
    private readonly ModelState _global;
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, List<(string Gateway, ModelState Model, double Weight, double Scale)>> _pending = [];

    public UploadLane(double maxNorm, NormPolicy policy, Random rng, ref long sequence)
    {
        _options = new CloudAggregatorOptions { MaxUploadBytes = 4096, MaxTotalSamples = 1_000_000, MaxOpenRounds = 3, SyncDeadline = TimeSpan.FromSeconds(30), MaxUploadNorm = maxNorm, UploadNormPolicy = policy };
        _limits = DecodeLimits.Default with { MaxPayloadBytes = _options.MaxUploadBytes };
        Aggregator = new CloudAggregator(_options, NullLogger.Instance, _time);
        _global = CloudAggregatorTests.Filled(1);
        Aggregator.Adopt(new ModelMessage("m", GlobalRound, "cloud", 0, DateTimeOffset.UnixEpoch, _global));
        Seeds = [];
        for (int k = 0; k < 12; k++)
        {
            string gateway = $"gw-{k % Gateways}";
            long seq = ++sequence;
            long round = GlobalRound + rng.Next(-1, 5);
            var model = ModelOracle.Perturbed(_global, rng);
            var upload = new GatewayUpload(gateway, GatewayUpload.MakeUploadId(gateway, seq), seq, "m", round, rng.Next(0, 5000), DateTimeOffset.UnixEpoch, model);
            Seeds.Add((WireCodec.Encode(upload), gateway));
        }
    }

    public CloudAggregator Aggregator { get; }

    public List<(byte[] Payload, string Gateway)> Seeds { get; }

    /// <summary>One payload on <paramref name="topicGateway"/>'s upload topic; asserts the outcome the rules demand. True when accepted.</summary>
    public bool Offer(string topicGateway, byte[] payload)
    {
        var expected = Predict(topicGateway, payload, out GatewayUpload? upload, out double scale, out bool onTheBound);
        var actual = Aggregator.OnUpload(topicGateway, new ReadOnlySequence<byte>(payload));
        if (onTheBound && actual is AdmissionOutcome.Accepted or AdmissionOutcome.NormTooLarge)
        {
            expected = actual; // within rounding of the bound: float32 chunks there, double here
        }

        Assert.Equal(expected, actual);
        if (actual != AdmissionOutcome.Accepted)
        {
            return false;
        }

        Assert.Equal(topicGateway, upload!.GatewayId);
        Assert.InRange(upload.TotalSamples, 1, _options.MaxTotalSamples);
        Assert.True(upload.Round > GlobalRound);
        Assert.Null(ModelOracle.Unfit(upload.Model, upload.Round, _global));
        _applied.Add(upload.UploadId);
        if (!_pending.TryGetValue(SyncRound(upload), out var round))
        {
            _pending[SyncRound(upload)] = round = [];
        }

        round.Add((upload.GatewayId, upload.Model.Detach(), upload.TotalSamples, scale));
        return true;
    }

    /// <summary>The cloud's sync round for an upload: its round, at most the global round + Cloud:MaxRoundLead.</summary>
    private long SyncRound(GatewayUpload upload) => Math.Min(upload.Round, GlobalRound + _options.MaxRoundLead);

    /// <summary>Lets every pending round's deadline pass; each published global must be its round's weighted mean.</summary>
    public void Complete()
    {
        _time.Advance(_options.SyncDeadline);
        var published = Aggregator.CloseDue();
        Assert.Equal(_pending.Keys, published.Select(p => p.Global.Round));
        foreach (var (global, gateways) in published)
        {
            var accepted = _pending[global.Round];
            Assert.Equal(accepted.Count, gateways);
            Assert.Equal(accepted.Sum(a => (long)a.Weight), global.TotalSamples);
            var magnitudes = new double[_global.Tensors.Count][];
            AssertClose(ExpectedMean(accepted, magnitudes), global.Model, magnitudes);
        }
    }

    private AdmissionOutcome Predict(string topicGateway, byte[] payload, out GatewayUpload? upload, out double scale, out bool onTheBound)
    {
        scale = 1;
        onTheBound = false;
        upload = null;
        if (payload.Length > _options.MaxUploadBytes)
        {
            return AdmissionOutcome.TooLarge;
        }

        if (!WireCodec.TryDecodeUpload(new ReadOnlySequence<byte>(payload), _limits, out upload, out _))
        {
            return AdmissionOutcome.Malformed;
        }

        if (upload!.GatewayId != topicGateway)
        {
            return AdmissionOutcome.SenderMismatch;
        }

        if (_applied.Contains(upload.UploadId))
        {
            return AdmissionOutcome.Duplicate;
        }

        if (upload.Round <= GlobalRound)
        {
            return AdmissionOutcome.TooStale;
        }

        if (upload.TotalSamples < 1 || upload.TotalSamples > _options.MaxTotalSamples || ModelOracle.Unfit(upload.Model, upload.Round, _global) is not null)
        {
            return AdmissionOutcome.Invalid;
        }

        if (_options.MaxUploadNorm > 0)
        {
            double norm = ModelOracle.Distance(upload.Model, _global);
            onTheBound = Math.Abs(norm - _options.MaxUploadNorm) <= 1e-5 * _options.MaxUploadNorm;
            if (norm > _options.MaxUploadNorm)
            {
                if (_options.UploadNormPolicy == NormPolicy.Reject)
                {
                    return AdmissionOutcome.NormTooLarge;
                }

                scale = _options.MaxUploadNorm / norm;
            }
        }

        if (!_pending.TryGetValue(SyncRound(upload), out var round))
        {
            return _pending.Count >= _options.MaxOpenRounds ? AdmissionOutcome.TooManyRounds : AdmissionOutcome.Accepted;
        }

        string gateway = upload.GatewayId;
        return round.Any(a => a.Gateway == gateway) ? AdmissionOutcome.Duplicate : AdmissionOutcome.Accepted;
    }

    /// <summary>The weighted mean in double; <paramref name="magnitudes"/> gets sum(w x |term|) / sum(w) per float element, the scale of float32's rounding.</summary>
    private ModelState ExpectedMean(List<(string Gateway, ModelState Model, double Weight, double Scale)> accepted, double[][] magnitudes)
    {
        double total = accepted.Sum(a => a.Weight);
        return new ModelState(_global.Tensors.Select((g, i) =>
        {
            if (g.DType.Logical() != TensorDType.Float32)
            {
                double mean = accepted.Sum(a => a.Weight * a.Model.Tensors[i].AsInt64()[0]) / total;
                return NamedTensor.FromInt64(g.Name, g.Shape, [(long)Math.Round(mean, MidpointRounding.ToEven)]);
            }

            float[] r = Quantizer.Dequantize(g).AsFloat32().ToArray();
            var values = new float[r.Length];
            magnitudes[i] = new double[r.Length];
            for (int k = 0; k < r.Length; k++)
            {
                double[] terms = accepted.Select(a => a.Weight * (r[k] + (a.Scale * (Quantizer.Dequantize(a.Model.Tensors[i]).AsFloat32()[k] - (double)r[k])))).ToArray();
                values[k] = (float)(terms.Sum() / total);
                magnitudes[i][k] = terms.Sum(Math.Abs) / total;
            }

            return NamedTensor.FromFloat32(g.Name, g.Shape, values);
        }).ToArray());
    }

    private static void AssertClose(ModelState expected, ModelState actual, double[][] magnitudes)
    {
        Assert.True(expected.HasSameLayout(actual));
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            if (expected.Tensors[i].DType == TensorDType.Int64)
            {
                double e = expected.Tensors[i].AsInt64()[0];
                Assert.True(Math.Abs(e - actual.Tensors[i].AsInt64()[0]) <= Math.Max(1, Math.Abs(e) * 1e-9));
                continue;
            }

            float[] ev = expected.Tensors[i].AsFloat32().ToArray();
            float[] av = actual.Tensors[i].AsFloat32().ToArray();
            for (int k = 0; k < ev.Length; k++)
            {
                Assert.True(Math.Abs(ev[k] - av[k]) <= 1e-4 * Math.Max(1, magnitudes[i][k]), $"'{expected.Tensors[i].Name}'[{k}]: expected {ev[k]}, the cloud made {av[k]}");
            }
        }
    }
}
