using System.Numerics.Tensors;
using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Validation;

/// <summary>Decides whether a decoded device update may reach the aggregate; rejects with a reason rather than throwing.</summary>
public sealed class UpdateValidator
{
    /// <summary>Creates a validator with the given limits (<see cref="ValidationLimits.Default"/> if null).</summary>
    public UpdateValidator(ValidationLimits? limits = null)
    {
        Limits = limits ?? ValidationLimits.Default;
    }

    /// <summary>The limits applied.</summary>
    public ValidationLimits Limits { get; }

    /// <summary>
    /// Checks fields, round, layout against <paramref name="current"/> and finiteness of every value
    /// (one vectorised pass per tensor), cheapest checks first.
    /// </summary>
    public ValidationResult Validate(DeviceUpdate update, ModelState current, long currentRound)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(current);

        ValidationResult fields = CheckFields(update);
        if (!fields.IsAccepted)
        {
            return fields;
        }

        if (update.Round > currentRound || update.Round < currentRound - Limits.MaxStaleness)
        {
            return ValidationResult.Reject(RejectReason.WrongRound, $"update is for round {update.Round}, the current round is {currentRound}");
        }

        if (update.SampleCount < Limits.MinSampleCount || update.SampleCount > Limits.MaxSampleCount)
        {
            return ValidationResult.Reject(
                RejectReason.SampleCountOutOfRange,
                $"sample count {update.SampleCount} is outside {Limits.MinSampleCount}..{Limits.MaxSampleCount}");
        }

        ValidationResult layout = CheckLayout(update.Model, current);
        return layout.IsAccepted ? CheckValues(update.Model) : layout;
    }

    /// <summary>
    /// Checks a model (a gateway's upload, the cloud's global model) against a reference layout and
    /// for finite values: the model-level part of <see cref="Validate"/>.
    /// </summary>
    public static ValidationResult ValidateModel(ModelState model, ModelState reference)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reference);
        ValidationResult layout = CheckLayout(model, reference);
        return layout.IsAccepted ? CheckValues(model) : layout;
    }

    /// <summary>
    /// Checks a model offered to replace <paramref name="current"/> (null when none is held yet): the
    /// initial model, saved state, the cloud's global model. It must have tensors, finite values, the
    /// current model's layout when there is one, and a round below long.MaxValue (a gateway opens
    /// round + 1 next).
    /// </summary>
    public static ValidationResult ValidateAdoptable(ModelMessage message, ModelState? current)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Rounds.RoundNumbers.IsValid(message.Round) || message.Round == Rounds.RoundNumbers.Max)
        {
            return ValidationResult.Reject(RejectReason.WrongRound, $"round {message.Round} leaves no next round");
        }

        if (current is not null)
        {
            return ValidateModel(message.Model, current);
        }

        return message.Model.Tensors.Count == 0
            ? ValidationResult.Reject(RejectReason.LayoutMismatch, "the model has no tensors")
            : CheckValues(message.Model);
    }

    /// <summary>
    /// Checks that every value of a model is a finite float32 (f32 tensors, and q8 tensors once dequantized)
    /// and that q8 parameters are usable: what an aggregate must satisfy before it replaces a model.
    /// </summary>
    public static ValidationResult ValidateValues(ModelState model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return CheckValues(model);
    }

    /// <summary>The scalar fields of an update: device id, loss, training time and energy.</summary>
    public ValidationResult CheckFields(DeviceUpdate u)
    {
        if (string.IsNullOrWhiteSpace(u.DeviceId) || u.DeviceId.Length > Limits.MaxDeviceIdLength)
        {
            return ValidationResult.Reject(RejectReason.BadField, $"device id must be 1..{Limits.MaxDeviceIdLength} non-blank characters");
        }

        if (!double.IsFinite(u.Loss))
        {
            return ValidationResult.Reject(RejectReason.BadField, $"loss {u.Loss} is not finite");
        }

        if (!double.IsFinite(u.TrainingSeconds) || u.TrainingSeconds < 0)
        {
            return ValidationResult.Reject(RejectReason.BadField, $"training time {u.TrainingSeconds} s is not a finite non-negative number");
        }

        if (!double.IsFinite(u.EnergyMah) || u.EnergyMah < 0)
        {
            return ValidationResult.Reject(RejectReason.BadField, $"energy {u.EnergyMah} mAh is not a finite non-negative number");
        }

        return ValidationResult.Accepted;
    }

    private static ValidationResult CheckLayout(ModelState update, ModelState current)
    {
        if (update.Tensors.Count != current.Tensors.Count)
        {
            return ValidationResult.Reject(RejectReason.LayoutMismatch, $"update has {update.Tensors.Count} tensors, the model has {current.Tensors.Count}");
        }

        for (int i = 0; i < current.Tensors.Count; i++)
        {
            if (!update.Tensors[i].HasSameLayout(current.Tensors[i]))
            {
                return ValidationResult.Reject(
                    RejectReason.LayoutMismatch,
                    $"tensor {i} is {WeightedAverageAccumulator.Describe(update.Tensors[i])}, the model has {WeightedAverageAccumulator.Describe(current.Tensors[i])}");
            }
        }

        return ValidationResult.Accepted;
    }

    private static ValidationResult CheckValues(ModelState model)
    {
        foreach (NamedTensor t in model.Tensors)
        {
            switch (t.DType)
            {
                // IsFiniteAll is false for an empty span, and an empty tensor holds nothing non-finite.
                case TensorDType.Float32 when t.ElementCount > 0 && !TensorPrimitives.IsFiniteAll(t.AsFloat32()):
                    return ValidationResult.Reject(RejectReason.NonFinite, $"tensor '{t.Name}' contains NaN or an infinity");
                case TensorDType.QUInt8 when t.Quantization is { } q && (!float.IsFinite(q.Scale) || q.Scale <= 0 || q.ZeroPoint is < 0 or > 255):
                    return ValidationResult.Reject(RejectReason.NonFinite, $"tensor '{t.Name}' has unusable quantization (scale {q.Scale}, zp {q.ZeroPoint})");
                case TensorDType.QUInt8 when t.Quantization is { } q && !float.IsFinite(q.Scale * Math.Max(q.ZeroPoint, 255 - q.ZeroPoint)):
                    // scale x (q - zp) must be a float32 for every byte q: a huge scale dequantizes to infinity.
                    return ValidationResult.Reject(RejectReason.NonFinite, $"tensor '{t.Name}' dequantizes beyond float32 (scale {q.Scale}, zp {q.ZeroPoint})");
            }
        }

        return ValidationResult.Accepted;
    }
}
