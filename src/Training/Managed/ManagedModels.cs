using EdgeFL.Core.Models;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Managed;

/// <summary>Initial models built without TorchSharp, interchangeable with <c>ModelFactory.Create</c>'s.</summary>
public static class ManagedModels
{
    /// <summary>
    /// A new model of <paramref name="kind"/>: the same tensor names, shapes, dtypes and order as TorchSharp's model and
    /// torch.nn's default initialisation scheme, drawn from a managed generator (equal seeds give equal weights; the
    /// values are not torch's).
    /// </summary>
    public static ModelState CreateInitial(ModelKind kind, int? seed = null) =>
        ManagedArchitectures.Create(kind, seed is int s ? new Random(s) : new Random()).ToState();
}
