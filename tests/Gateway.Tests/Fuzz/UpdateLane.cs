using EdgeFL.Core.Rounds;
using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;
using EdgeFL.Core.Wire;
using EdgeFL.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeFL.Gateway.Tests.Fuzz;

/// <summary>
/// One RoundCoordinator under fuzz, with an oracle beside it. For every input the oracle says, from the
/// protocol's rules (PROTOCOL.md 4.3) and an independent decode, what the outcome must be; an accepted
/// update must also be plainly sound (the topic's device, finite values, the model's layout, a sample
/// count in bounds, a change within the norm bound once clipped). At each close, the new model must be
/// the weighted mean, computed here in double, of exactly the accepted updates: nothing else may have
/// reached the aggregate.
/// </summary>
internal sealed class UpdateLane
{
    public const int Devices = 16;

    private readonly GatewayOptions _options;
    private readonly DecodeLimits _limits;
    private readonly UpdateValidator _validator;
    private readonly List<(ModelState Model, double Weight, double Scale)> _accepted = [];
    private readonly HashSet<(string Device, long Round)> _contributions = [];
    private ModelState _model;
    private long _open;

    /// <summary>A lane with the norm bound <paramref name="maxNorm"/> (0: off, the default) and <paramref name="policy"/>.</summary>
    public UpdateLane(double maxNorm, NormPolicy policy, GatewayMetrics metrics)
    {
        _options = new GatewayOptions
        {
            // The oracle weighs by the claimed sample counts: the fleet-relative cap is off here (SampleBoundTests covers it).
            Updates = new UpdateLimitOptions { MaxBytes = 4096, MinSampleCount = 1, MaxSampleCount = 100_000, MaxSampleRatio = 0, MaxUpdateNorm = maxNorm, NormPolicy = policy },
            Staleness = new StalenessOptions { MaxRounds = 2, Exponent = 0.5 },
        };
        _limits = DecodeLimits.Default with { MaxPayloadBytes = _options.Updates.MaxBytes };
        _validator = new UpdateValidator(new ValidationLimits { MinSampleCount = 1, MaxSampleCount = 100_000, MaxStaleness = 2 });
        Coordinator = new RoundCoordinator(_options, metrics, NullLogger.Instance, new ManualTimeProvider());
        _model = TestModels.Filled(0);
        Coordinator.Adopt(TestModels.Message(_model));
    }

    public RoundCoordinator Coordinator { get; }

    public long OpenRound => _open;

    public double MaxNorm => _options.Updates.MaxUpdateNorm;

    /// <summary>Opens a round and returns valid (and some deliberately invalid) update payloads for it, as seeds.</summary>
    public List<(byte[] Payload, string Device)> BeginRound(Random rng)
    {
        _open = Coordinator.BeginRound().Round;
        _accepted.Clear();
        _contributions.Clear();
        var seeds = new List<(byte[], string)>();
        for (int k = 0; k < Devices; k++)
        {
            string device = $"dev-{k:00}";
            long round = _open - rng.Next(6) switch { 0 => 1, 1 => 2, 2 => 3, 3 => -1, _ => 0 };
            var model = Perturbed(_model, rng, std: rng.Next(3) == 0 ? 2.0 : 0.4);
            if (rng.Next(2) == 0)
            {
                model = Quantizer.Quantize(model);
            }

            long samples = rng.Next(10) == 0 ? 0 : rng.Next(1, 1000);
            var update = new DeviceUpdate(device, round, samples, rng.NextDouble(), rng.NextDouble() * 10, rng.NextDouble(), DateTimeOffset.UnixEpoch.AddSeconds(rng.Next()), model);
            seeds.Add((WireCodec.Encode(update), device));
        }

        return seeds;
    }

    /// <summary>Feeds one payload on <paramref name="topicDevice"/>'s topic; asserts the outcome the rules demand. True when accepted.</summary>
    public bool Offer(string topicDevice, byte[] payload)
    {
        var expected = Predict(topicDevice, payload, out DeviceUpdate? update, out double scale, out bool onTheBound);
        var actual = Coordinator.OnUpdate(topicDevice, new ReadOnlySequence<byte>(payload));
        if (onTheBound && actual is AdmissionOutcome.Accepted or AdmissionOutcome.NormTooLarge)
        {
            // A norm within rounding of the bound: float32 chunks (the gateway) and double (here) may differ.
            expected = actual;
        }

        Assert.Equal(expected, actual);
        if (actual != AdmissionOutcome.Accepted)
        {
            return false;
        }

        AssertSound(topicDevice, update!, scale);
        _contributions.Add((topicDevice, update!.Round));
        _accepted.Add((update.Model.Detach(), update.SampleCount * _options.Staleness.Discount(_open - update.Round), scale));
        return true;
    }

    /// <summary>
    /// Closes the round; the new model must be the weighted mean of exactly the accepted updates. The
    /// gateway may keep the old model instead only when that mean's float32 sums could overflow.
    /// </summary>
    public void CloseRound()
    {
        var result = Coordinator.CloseRound(RoundCloseReason.Deadline);
        Assert.Equal(_accepted.Count, result.Accepted);
        ModelState actual = Coordinator.Snapshot(0).Model;
        bool refused = _accepted.Count > 0 && !result.ModelUpdated;
        if (refused)
        {
            Assert.True(SumsCanOverflow(), "the gateway refused an aggregate whose sums stay within float32");
        }

        var magnitudes = new double[_model.Tensors.Count][];
        AssertClose(_accepted.Count == 0 || refused ? _model : ExpectedMean(magnitudes), actual, magnitudes);
        _model = actual.Detach();
    }

    /// <summary>True when some element's sum of |weight x value| reaches float32's range.</summary>
    private bool SumsCanOverflow()
    {
        for (int i = 0; i < _model.Tensors.Count; i++)
        {
            if (_model.Tensors[i].DType.Logical() != TensorDType.Float32)
            {
                continue;
            }

            var sums = new double[_model.Tensors[i].ElementCount];
            foreach (var (model, weight, _) in _accepted)
            {
                float[] u = Quantizer.Dequantize(model.Tensors[i]).AsFloat32().ToArray();
                for (int k = 0; k < sums.Length; k++)
                {
                    sums[k] += weight * Math.Abs(u[k]);
                }
            }

            if (sums.Any(v => v >= float.MaxValue * 0.99))
            {
                return true;
            }
        }

        return false;
    }

    private AdmissionOutcome Predict(string topicDevice, byte[] payload, out DeviceUpdate? update, out double scale, out bool onTheBound)
    {
        scale = 1;
        onTheBound = false;
        update = null;
        if (payload.Length > _options.Updates.MaxBytes)
        {
            return AdmissionOutcome.TooLarge;
        }

        if (!WireCodec.TryDecodeUpdate(new ReadOnlySequence<byte>(payload), _limits, out update, out _))
        {
            return AdmissionOutcome.Malformed;
        }

        if (update!.DeviceId != topicDevice)
        {
            return AdmissionOutcome.SenderMismatch;
        }

        long staleness = _open - update.Round;
        if (staleness < 0)
        {
            return AdmissionOutcome.WrongRound;
        }

        if (staleness > _options.Staleness.MaxRounds)
        {
            return AdmissionOutcome.TooStale;
        }

        if (_contributions.Contains((topicDevice, update.Round)))
        {
            return AdmissionOutcome.Duplicate;
        }

        if (!_validator.Validate(update, _model, _open).IsAccepted)
        {
            return AdmissionOutcome.Invalid;
        }

        if (MaxNorm <= 0)
        {
            return AdmissionOutcome.Accepted;
        }

        double norm = ModelOracle.Distance(update.Model, _model);
        onTheBound = Math.Abs(norm - MaxNorm) <= 1e-5 * MaxNorm;
        if (norm <= MaxNorm)
        {
            return AdmissionOutcome.Accepted;
        }

        if (_options.Updates.NormPolicy == NormPolicy.Reject)
        {
            return AdmissionOutcome.NormTooLarge;
        }

        scale = MaxNorm / norm;
        return AdmissionOutcome.Accepted;
    }

    /// <summary>What "not garbage" means for an accepted update, checked without the validator.</summary>
    private void AssertSound(string topicDevice, DeviceUpdate update, double scale)
    {
        Assert.Equal(topicDevice, update.DeviceId);
        Assert.InRange(update.Round, _open - _options.Staleness.MaxRounds, _open);
        Assert.InRange(update.SampleCount, _options.Updates.MinSampleCount, _options.Updates.MaxSampleCount);
        Assert.True(double.IsFinite(update.Loss) && double.IsFinite(update.TrainingSeconds) && update.TrainingSeconds >= 0 && double.IsFinite(update.EnergyMah) && update.EnergyMah >= 0);
        Assert.True(update.Model.HasSameLayout(_model), "an accepted update has the model's layout");
        foreach (NamedTensor t in update.Model.Tensors)
        {
            if (t.DType.Logical() == TensorDType.Float32)
            {
                Assert.All(Quantizer.Dequantize(t).AsFloat32().ToArray(), v => Assert.True(float.IsFinite(v), $"'{t.Name}' holds {v}"));
            }
        }

        Assert.True(MaxNorm <= 0 || ModelOracle.Distance(update.Model, _model) * scale <= MaxNorm * (1 + 1e-6), "an accepted change is within the norm bound once clipped");
    }

    /// <summary>sum(w x (M + s x (u - M))) / sum(w) for float tensors; int64 tensors unscaled and rounded.</summary>
    /// <remarks>
    /// <paramref name="magnitudes"/> receives, per float element, <c>sum(w x |term|) / sum(w)</c>: float32
    /// sums cancel, so the gateway's error is relative to the terms, not to the mean.
    /// </remarks>
    private ModelState ExpectedMean(double[]?[] magnitudes)
    {
        double total = _accepted.Sum(a => a.Weight);
        var tensors = new NamedTensor[_model.Tensors.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            NamedTensor m = _model.Tensors[i];
            var sums = new double[m.ElementCount];
            if (m.DType.Logical() == TensorDType.Float32)
            {
                float[] reference = Quantizer.Dequantize(m).AsFloat32().ToArray();
                var magnitude = new double[sums.Length];
                foreach (var (model, weight, scale) in _accepted)
                {
                    float[] u = Quantizer.Dequantize(model.Tensors[i]).AsFloat32().ToArray();
                    for (int k = 0; k < sums.Length; k++)
                    {
                        sums[k] += weight * (reference[k] + (scale * ((double)u[k] - reference[k])));
                        magnitude[k] += weight * (Math.Abs(reference[k]) + (scale * Math.Abs(u[k])) + Math.Abs(reference[k])) / total;
                    }
                }

                magnitudes[i] = magnitude;

                tensors[i] = NamedTensor.FromFloat32(m.Name, m.Shape, sums.Select(s => (float)(s / total)).ToArray());
            }
            else
            {
                foreach (var (model, weight, _) in _accepted)
                {
                    long[] u = model.Tensors[i].AsInt64().ToArray();
                    for (int k = 0; k < sums.Length; k++)
                    {
                        sums[k] += weight * u[k];
                    }
                }

                tensors[i] = NamedTensor.FromInt64(m.Name, m.Shape, sums.Select(s => (long)Math.Round(s / total, MidpointRounding.ToEven)).ToArray());
            }
        }

        return new ModelState(tensors);
    }

    private static ModelState Perturbed(ModelState model, Random rng, double std) =>
        new(model.Tensors.Select(t => t.DType == TensorDType.Int64
            ? NamedTensor.FromInt64(t.Name, t.Shape, [t.AsInt64()[0] + rng.Next(100)])
            : NamedTensor.FromFloat32(t.Name, t.Shape, Quantizer.Dequantize(t).AsFloat32().ToArray().Select(v => v + (float)(std * ((rng.NextDouble() * 2) - 1))).ToArray())).ToArray());

    private static void AssertClose(ModelState expected, ModelState actual, double[]?[] magnitudes)
    {
        Assert.True(expected.HasSameLayout(actual));
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            if (expected.Tensors[i].DType == TensorDType.Int64)
            {
                // The gateway sums int64 tensors in double too, with its own rounding: one unit, or double's precision for big counters.
                double e = expected.Tensors[i].AsInt64()[0];
                double a = actual.Tensors[i].AsInt64()[0];
                Assert.True(Math.Abs(e - a) <= Math.Max(1, Math.Abs(e) * 1e-9), $"'{expected.Tensors[i].Name}': expected {e}, the gateway made {a}");
                continue;
            }

            float[] ev = Quantizer.Dequantize(expected.Tensors[i]).AsFloat32().ToArray();
            float[] av = Quantizer.Dequantize(actual.Tensors[i]).AsFloat32().ToArray();
            for (int k = 0; k < ev.Length; k++)
            {
                double scale = Math.Max(1, Math.Max(Math.Abs(ev[k]), magnitudes[i]?[k] ?? 0));
                Assert.True(Math.Abs(ev[k] - av[k]) <= 1e-4 * scale, $"'{expected.Tensors[i].Name}'[{k}]: expected {ev[k]}, the gateway made {av[k]}");
            }
        }
    }
}
