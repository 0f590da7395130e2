namespace EdgeFL.Core.Models;

/// <summary>A model's full state: its named tensors in a fixed order (parameters and buffers).</summary>
public sealed class ModelState
{
    /// <summary>Creates a state; tensor names must be unique.</summary>
    public ModelState(IReadOnlyList<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!seen.Add(t.Name))
            {
                throw new ArgumentException($"tensor name '{t.Name}' appears twice", nameof(tensors));
            }
        }

        Tensors = tensors;
    }

    /// <summary>The tensors, in the order the model defines them.</summary>
    public IReadOnlyList<NamedTensor> Tensors { get; }

    /// <summary>Total elements over all tensors.</summary>
    public long ElementCount => Tensors.Sum(t => t.ElementCount);

    /// <summary>Total bytes of tensor data as held (quantized tensors count one byte per element).</summary>
    public long DataBytes => Tensors.Sum(t => (long)t.Data.Length);

    /// <summary>True when both states have the same tensor names, shapes and logical dtypes, in order.</summary>
    public bool HasSameLayout(ModelState other)
    {
        if (other.Tensors.Count != Tensors.Count)
        {
            return false;
        }

        for (int i = 0; i < Tensors.Count; i++)
        {
            if (!Tensors[i].HasSameLayout(other.Tensors[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A deep copy that owns all its bytes.</summary>
    public ModelState Detach() => new(Tensors.Select(t => t.Detach()).ToArray());
}
