namespace EdgeFL.Core.Wire;

/// <summary>Wire spellings of keys, message types and the protocol version.</summary>
internal static class WireKeys
{
    public const int ProtocolVersion = 1;

    public static ReadOnlySpan<byte> TypeName(WireMessageType type) => type switch
    {
        WireMessageType.Model => "model"u8,
        WireMessageType.Update => "update"u8,
        WireMessageType.Upload => "upload"u8,
        WireMessageType.Status => "status"u8,
        WireMessageType.Decline => "decline"u8,
        WireMessageType.Telemetry => "telemetry"u8,
        WireMessageType.Ack => "ack"u8,
        WireMessageType.Chunk => "chunk"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown message type"),
    };

    public static WireMessageType? ParseType(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("model"u8) ? WireMessageType.Model
        : name.SequenceEqual("update"u8) ? WireMessageType.Update
        : name.SequenceEqual("upload"u8) ? WireMessageType.Upload
        : name.SequenceEqual("status"u8) ? WireMessageType.Status
        : name.SequenceEqual("decline"u8) ? WireMessageType.Decline
        : name.SequenceEqual("telemetry"u8) ? WireMessageType.Telemetry
        : name.SequenceEqual("ack"u8) ? WireMessageType.Ack
        : name.SequenceEqual("chunk"u8) ? WireMessageType.Chunk
        : null;

    public static ReadOnlySpan<byte> Utf8(WireKey key) => key switch
    {
        WireKey.V => "v"u8,
        WireKey.T => "t"u8,
        WireKey.ModelId => "model_id"u8,
        WireKey.Round => "round"u8,
        WireKey.Source => "source"u8,
        WireKey.TotalSamples => "total_samples"u8,
        WireKey.IssuedAt => "issued_at"u8,
        WireKey.DeviceId => "device_id"u8,
        WireKey.SampleCount => "sample_count"u8,
        WireKey.Loss => "loss"u8,
        WireKey.TrainS => "train_s"u8,
        WireKey.EnergyMah => "energy_mah"u8,
        WireKey.CreatedAt => "created_at"u8,
        WireKey.GatewayId => "gateway_id"u8,
        WireKey.UploadId => "upload_id"u8,
        WireKey.Seq => "seq"u8,
        WireKey.Online => "online"u8,
        WireKey.Battery => "battery"u8,
        WireKey.Charging => "charging"u8,
        WireKey.At => "at"u8,
        WireKey.Reason => "reason"u8,
        WireKey.Tensors => "tensors"u8,
        WireKey.Name => "name"u8,
        WireKey.DType => "dtype"u8,
        WireKey.Shape => "shape"u8,
        WireKey.Data => "data"u8,
        WireKey.Scale => "scale"u8,
        WireKey.Zp => "zp"u8,
        WireKey.Selected => "selected"u8,
        WireKey.Connected => "connected"u8,
        WireKey.BandwidthKbps => "bandwidth_kbps"u8,
        WireKey.Tier => "tier"u8,
        WireKey.EstTrainS => "est_train_s"u8,
        WireKey.FreeMb => "free_mb"u8,
        WireKey.Volts => "volts"u8,
        WireKey.Amps => "amps"u8,
        WireKey.SigAlg => "sig_alg"u8,
        WireKey.SigKid => "sig_kid"u8,
        WireKey.Sig => "sig"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "no wire spelling"),
    };

    /// <summary>Display name for error details.</summary>
    public static string Text(WireKey key) => System.Text.Encoding.UTF8.GetString(Utf8(key));

    /// <summary>Maps a message-map key; unknown keys (forward compatibility) give <see cref="WireKey.Unknown"/>.</summary>
    public static WireKey ParseMessageKey(ReadOnlySpan<byte> k)
    {
        for (var key = WireKey.V; key <= WireKey.Tensors; key++)
        {
            if (k.SequenceEqual(Utf8(key)))
            {
                return key;
            }
        }

        for (var key = WireKey.Selected; key <= WireKey.Sig; key++)
        {
            if (k.SequenceEqual(Utf8(key)))
            {
                return key;
            }
        }

        return WireKey.Unknown;
    }

    /// <summary>Maps a tensor-map key; unknown keys give <see cref="WireKey.Unknown"/>.</summary>
    public static WireKey ParseTensorKey(ReadOnlySpan<byte> k)
    {
        for (var key = WireKey.Name; key <= WireKey.Zp; key++)
        {
            if (k.SequenceEqual(Utf8(key)))
            {
                return key;
            }
        }

        return WireKey.Unknown;
    }
}
