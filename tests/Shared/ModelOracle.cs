using EdgeFL.Core.Models;

namespace EdgeFL.Tests.Shared;

/// <summary>What makes a model fit to adopt, checked plainly (no validator): the oracle of the model ingresses.</summary>
public static class ModelOracle
{
    /// <summary>
    /// Why <paramref name="model"/> (for round <paramref name="round"/>) must not replace <paramref name="current"/>
    /// (null when there is none yet), or null when it may: it has tensors, every float value is finite
    /// (q8 once dequantized), it has the current model's layout, and its round leaves room for a next one.
    /// </summary>
    public static string? Unfit(ModelState model, long round, ModelState? current)
    {
        if (model.Tensors.Count == 0)
        {
            return "no tensors";
        }

        if (round is < 0 or >= Core.Rounds.RoundNumbers.Max)
        {
            return "no round can follow it";
        }

        if (current is not null && !model.HasSameLayout(current))
        {
            return "another layout";
        }

        foreach (NamedTensor t in model.Tensors)
        {
            if (t.DType.Logical() == TensorDType.Float32 && Quantizer.Dequantize(t).AsFloat32().ToArray().Any(v => !float.IsFinite(v)))
            {
                return $"'{t.Name}' is not finite";
            }
        }

        return null;
    }

    /// <summary>
    /// The L2 distance between two models' float tensors (q8 dequantized; int64 ignored), element by element
    /// in double: the reference the norm bound is checked against.
    /// </summary>
    public static double Distance(ModelState model, ModelState reference)
    {
        double squared = 0;
        for (int i = 0; i < model.Tensors.Count; i++)
        {
            if (model.Tensors[i].DType.Logical() != TensorDType.Float32)
            {
                continue;
            }

            float[] a = Quantizer.Dequantize(model.Tensors[i]).AsFloat32().ToArray();
            float[] b = Quantizer.Dequantize(reference.Tensors[i]).AsFloat32().ToArray();
            for (int k = 0; k < a.Length; k++)
            {
                double d = (double)a[k] - b[k];
                squared += d * d;
            }
        }

        return Math.Sqrt(squared);
    }

    /// <summary>A model with every float moved by up to 1 and fresh int64 values: seeds for model payloads.</summary>
    public static ModelState Perturbed(ModelState model, Random rng) =>
        new(model.Tensors.Select(t => t.DType == TensorDType.Int64
            ? NamedTensor.FromInt64(t.Name, t.Shape, [rng.Next(1000)])
            : NamedTensor.FromFloat32(t.Name, t.Shape, Quantizer.Dequantize(t).AsFloat32().ToArray().Select(v => v + (float)((rng.NextDouble() * 2) - 1)).ToArray())).ToArray());
}
