namespace EdgeFL.Training.Managed.Layers;

/// <summary>The generator a network's dropout layers draw their masks from; the trainer reseeds it per run.</summary>
internal sealed class DropoutSource
{
    public Random Random { get; set; } = new();
}
