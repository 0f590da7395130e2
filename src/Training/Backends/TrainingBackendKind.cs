namespace EdgeFL.Training.Backends;

/// <summary>Which training backend a device or the demo runs.</summary>
public enum TrainingBackendKind
{
    /// <summary>TorchSharp where its native library loads, the managed backend elsewhere.</summary>
    Auto,

    /// <summary>TorchSharp (libtorch): linux-x64, osx-arm64, win-x64 only.</summary>
    Torch,

    /// <summary>The managed backend: no native ML library, runs wherever .NET runs.</summary>
    Managed,
}
