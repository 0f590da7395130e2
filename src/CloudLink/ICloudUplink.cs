using EdgeFL.Core.Messages;

namespace EdgeFL.CloudLink;

/// <summary>A gateway's link to the cloud: sends edge models up, brings global models down.</summary>
public interface ICloudUplink
{
    /// <summary>Connects (and keeps reconnecting) in the background.</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Queues an upload durably (on disk when this completes); it is sent with QoS 1 when the cloud is reachable.</summary>
    Task UploadAsync(GatewayUpload upload, CancellationToken cancellationToken = default);

    /// <summary>The topic, payload and coalescing key of an upload, for a caller that queues it in its own transaction.</summary>
    (string Topic, byte[] Payload, string CoalesceKey) Prepare(GatewayUpload upload);

    /// <summary>The newest global model received, if any.</summary>
    ModelMessage? LatestGlobal { get; }

    /// <summary>Waits for a global model whose round is at least <paramref name="minRound"/>; null on timeout.</summary>
    Task<ModelMessage?> WaitForGlobalAsync(long minRound, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Disconnects.</summary>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Tells the cloud whether to wait for this gateway's uploads ({prefix}/cloud/status/{gw}); sent again on every reconnect.</summary>
    Task AnnounceAsync(GatewayPresence presence, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Sends a fleet report for the cloud's dashboard now (QoS 0, not retained, not queued); false when not connected.</summary>
    Task<bool> PublishFleetReportAsync(byte[] report, CancellationToken cancellationToken = default) => Task.FromResult(false);
}
