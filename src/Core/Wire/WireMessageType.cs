namespace EdgeFL.Core.Wire;

/// <summary>The kind of a wire message, carried in its <c>"t"</c> key.</summary>
public enum WireMessageType
{
    /// <summary><c>"model"</c>: <see cref="Messages.ModelMessage"/>.</summary>
    Model = 1,

    /// <summary><c>"update"</c>: <see cref="Messages.DeviceUpdate"/>.</summary>
    Update = 2,

    /// <summary><c>"upload"</c>: <see cref="Messages.GatewayUpload"/>.</summary>
    Upload = 3,

    /// <summary><c>"status"</c>: <see cref="Messages.DeviceStatus"/>.</summary>
    Status = 4,

    /// <summary><c>"decline"</c>: <see cref="Messages.RoundDecline"/>.</summary>
    Decline = 5,

    /// <summary><c>"telemetry"</c>: <see cref="Messages.DeviceTelemetry"/>.</summary>
    Telemetry = 6,

    /// <summary><c>"ack"</c>: <see cref="Messages.UploadAck"/>.</summary>
    Ack = 7,

    /// <summary><c>"chunk"</c>: one piece of a larger message (<see cref="ChunkMessage"/>, docs/PROTOCOL.md 6.4).</summary>
    Chunk = 8,
}
