using EdgeFL.Core.Messages;

namespace EdgeFL.CloudBridge;

/// <summary>A gateway's link to the cloud: sends edge models up, brings global models down.</summary>
public interface ICloudUplink
{
    /// <summary>Connects (and keeps reconnecting) in the background.</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends an upload with QoS 1; completes when the cloud broker acknowledged it.</summary>
    Task UploadAsync(GatewayUpload upload, CancellationToken cancellationToken = default);

    /// <summary>The newest global model received, if any.</summary>
    ModelMessage? LatestGlobal { get; }

    /// <summary>Waits for a global model whose round is at least <paramref name="minRound"/>; null on timeout.</summary>
    Task<ModelMessage?> WaitForGlobalAsync(long minRound, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Disconnects.</summary>
    Task StopAsync(CancellationToken cancellationToken = default);
}
