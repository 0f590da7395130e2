using System.Numerics.Tensors;
using EdgeFL.Core.Models;
using EdgeFL.DeviceClient.Training;

namespace EdgeFL.Simulator;

/// <summary>
/// Simulation only: the demo's stand-in for a hostile device. It trains honestly, then poisons the
/// trained model relative to the round's model: <c>base + k x (trained - base)</c> for
/// <see cref="AttackKind.Scale"/>, <c>base - k x (trained - base)</c> for <see cref="AttackKind.SignFlip"/>.
/// The poisoned model then takes the device's normal path (quantization, codec, MQTT) and reports the
/// device's true sample count. No configuration key of a real device reaches this class: only the
/// simulator wraps a trainer in it (<c>--hostile</c>).
/// </summary>
internal sealed class HostileTrainer(IMemoryAwareTrainer inner, AttackKind attack, double factor) : IMemoryAwareTrainer
{
    public int SampleCount => inner.SampleCount;

    public int Epochs => inner.Epochs;

    public int BatchSize => inner.BatchSize;

    public int ConfiguredBatchSize => inner.ConfiguredBatchSize;

    public int FitBatchSize(double freeMemoryMb) => inner.FitBatchSize(freeMemoryMb);

    public Task<LocalTrainingOutcome> TrainAsync(ModelState start, CancellationToken cancellationToken = default) => TrainAsync(start, 0, cancellationToken);

    public async Task<LocalTrainingOutcome> TrainAsync(ModelState start, long round, CancellationToken cancellationToken = default)
    {
        var honest = await inner.TrainAsync(start, round, cancellationToken).ConfigureAwait(false);
        return honest with { Model = Poison(Quantizer.Dequantize(start), honest.Model, attack, factor) };
    }

    /// <summary>The poisoned model: every float32 tensor moved to base +/- factor x (trained - base); others as trained.</summary>
    internal static ModelState Poison(ModelState start, ModelState trained, AttackKind attack, double factor)
    {
        if (!start.HasSameLayout(trained))
        {
            throw new ArgumentException("the trained model's layout differs from the round's model", nameof(trained));
        }

        float k = (float)(attack == AttackKind.SignFlip ? -factor : factor);
        var tensors = new NamedTensor[trained.Tensors.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            NamedTensor t = trained.Tensors[i];
            if (t.DType != TensorDType.Float32)
            {
                tensors[i] = t;
                continue;
            }

            ReadOnlySpan<float> b = start.Tensors[i].AsFloat32();
            var poisoned = new float[t.ElementCount];
            TensorPrimitives.Subtract(t.AsFloat32(), b, poisoned);
            TensorPrimitives.MultiplyAdd(poisoned, k, b, poisoned);
            tensors[i] = NamedTensor.FromFloat32(t.Name, t.Shape, poisoned);
        }

        return new ModelState(tensors);
    }
}
