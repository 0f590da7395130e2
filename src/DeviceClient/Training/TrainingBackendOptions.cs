using EdgeFL.Training.Backends;

namespace EdgeFL.DeviceClient.Training;

/// <summary>Which training backend the device runs and with how many threads (section <c>Device:Training</c>, beside the hyperparameters).</summary>
internal sealed class TrainingBackendOptions
{
    /// <summary><c>auto</c> (TorchSharp where its native library loads, else managed), <c>torch</c> or <c>managed</c>.</summary>
    public TrainingBackendKind Backend { get; set; } = TrainingBackendKind.Auto;

    /// <summary>Threads inside one training step; 0 uses half the cores (at least 1).</summary>
    public int Threads { get; set; }

    /// <summary>The thread count to use on this machine.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Math.Max(1, Environment.ProcessorCount / 2);
}
