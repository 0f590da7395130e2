using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using MessagePack;

namespace EdgeFL.Core.Wire;

/// <summary>Writes each message as a MessagePack map; tensor data goes as bin straight from the tensor's memory.</summary>
internal static class MessageEncoder
{
    public static void Write(ref MessagePackWriter w, ModelMessage m) => Write(ref w, m, extraEntries: 0);

    /// <summary>A model message whose map header counts <paramref name="extraEntries"/> more entries, which the caller writes after it (a signature).</summary>
    public static void Write(ref MessagePackWriter w, ModelMessage m, int extraEntries)
    {
        w.WriteMapHeader((m.Selected is null ? 8 : 9) + extraEntries);
        WriteHeader(ref w, WireMessageType.Model);
        Key(ref w, WireKey.ModelId); w.Write(m.ModelId);
        Key(ref w, WireKey.Round); w.Write(m.Round);
        Key(ref w, WireKey.Source); w.Write(m.Source);
        Key(ref w, WireKey.TotalSamples); w.Write(m.TotalSamples);
        Key(ref w, WireKey.IssuedAt); w.Write(m.IssuedAt.ToUnixTimeMilliseconds());
        if (m.Selected is { } selected)
        {
            Key(ref w, WireKey.Selected);
            w.WriteArrayHeader(selected.Count);
            foreach (string id in selected)
            {
                w.Write(id);
            }
        }

        Key(ref w, WireKey.Tensors); WriteTensors(ref w, m.Model);
    }

    public static void Write(ref MessagePackWriter w, DeviceTelemetry m)
    {
        w.WriteMapHeader(11 + (m.Volts.HasValue ? 1 : 0) + (m.Amps.HasValue ? 1 : 0));
        WriteHeader(ref w, WireMessageType.Telemetry);
        Key(ref w, WireKey.DeviceId); w.Write(m.DeviceId);
        Key(ref w, WireKey.At); w.Write(m.At.ToUnixTimeMilliseconds());
        Key(ref w, WireKey.Battery); w.Write(m.BatteryLevel);
        Key(ref w, WireKey.Charging); w.Write(m.Charging);
        Key(ref w, WireKey.Connected); w.Write(m.Connected);
        Key(ref w, WireKey.BandwidthKbps); w.Write(m.BandwidthKbps);
        Key(ref w, WireKey.Tier); w.Write(m.ComputeTier);
        Key(ref w, WireKey.EstTrainS); w.Write(m.EstimatedTrainingSeconds);
        Key(ref w, WireKey.FreeMb); w.Write(m.FreeMemoryMb);
        if (m.Volts is { } volts)
        {
            Key(ref w, WireKey.Volts); w.Write(volts);
        }

        if (m.Amps is { } amps)
        {
            Key(ref w, WireKey.Amps); w.Write(amps);
        }
    }

    public static void Write(ref MessagePackWriter w, DeviceUpdate m)
    {
        w.WriteMapHeader(10);
        WriteHeader(ref w, WireMessageType.Update);
        Key(ref w, WireKey.DeviceId); w.Write(m.DeviceId);
        Key(ref w, WireKey.Round); w.Write(m.Round);
        Key(ref w, WireKey.SampleCount); w.Write(m.SampleCount);
        Key(ref w, WireKey.Loss); w.Write(m.Loss);
        Key(ref w, WireKey.TrainS); w.Write(m.TrainingSeconds);
        Key(ref w, WireKey.EnergyMah); w.Write(m.EnergyMah);
        Key(ref w, WireKey.CreatedAt); w.Write(m.CreatedAt.ToUnixTimeMilliseconds());
        Key(ref w, WireKey.Tensors); WriteTensors(ref w, m.Model);
    }

    public static void Write(ref MessagePackWriter w, GatewayUpload m)
    {
        w.WriteMapHeader(10);
        WriteHeader(ref w, WireMessageType.Upload);
        Key(ref w, WireKey.GatewayId); w.Write(m.GatewayId);
        Key(ref w, WireKey.UploadId); w.Write(m.UploadId);
        Key(ref w, WireKey.Seq); w.Write(m.Sequence);
        Key(ref w, WireKey.ModelId); w.Write(m.ModelId);
        Key(ref w, WireKey.Round); w.Write(m.Round);
        Key(ref w, WireKey.TotalSamples); w.Write(m.TotalSamples);
        Key(ref w, WireKey.CreatedAt); w.Write(m.CreatedAt.ToUnixTimeMilliseconds());
        Key(ref w, WireKey.Tensors); WriteTensors(ref w, m.Model);
    }

    public static void Write(ref MessagePackWriter w, DeviceStatus m)
    {
        w.WriteMapHeader(7);
        WriteHeader(ref w, WireMessageType.Status);
        Key(ref w, WireKey.DeviceId); w.Write(m.DeviceId);
        Key(ref w, WireKey.Online); w.Write(m.Online);
        Key(ref w, WireKey.Battery); w.Write(m.BatteryLevel);
        Key(ref w, WireKey.Charging); w.Write(m.Charging);
        Key(ref w, WireKey.At); w.Write(m.At.ToUnixTimeMilliseconds());
    }

    public static void Write(ref MessagePackWriter w, RoundDecline m)
    {
        w.WriteMapHeader(5);
        WriteHeader(ref w, WireMessageType.Decline);
        Key(ref w, WireKey.DeviceId); w.Write(m.DeviceId);
        Key(ref w, WireKey.Round); w.Write(m.Round);
        Key(ref w, WireKey.Reason); w.Write(m.Reason);
    }

    public static void Write(ref MessagePackWriter w, UploadAck m)
    {
        w.WriteMapHeader(6);
        WriteHeader(ref w, WireMessageType.Ack);
        Key(ref w, WireKey.GatewayId); w.Write(m.GatewayId);
        Key(ref w, WireKey.UploadId); w.Write(m.UploadId);
        Key(ref w, WireKey.Round); w.Write(m.Round);
        Key(ref w, WireKey.Reason); w.Write(m.Outcome);
    }

    private static void WriteHeader(ref MessagePackWriter w, WireMessageType type)
    {
        Key(ref w, WireKey.V); w.Write(WireKeys.ProtocolVersion);
        Key(ref w, WireKey.T); w.WriteString(WireKeys.TypeName(type));
    }

    private static void Key(ref MessagePackWriter w, WireKey key) => w.WriteString(WireKeys.Utf8(key));

    private static void WriteTensors(ref MessagePackWriter w, ModelState model)
    {
        var tensors = model.Tensors;
        w.WriteArrayHeader(tensors.Count);
        for (int i = 0; i < tensors.Count; i++)
        {
            WriteTensor(ref w, tensors[i]);
        }
    }

    private static void WriteTensor(ref MessagePackWriter w, NamedTensor t)
    {
        bool quantized = t.Quantization.HasValue;
        w.WriteMapHeader(quantized ? 6 : 4);
        Key(ref w, WireKey.Name); w.Write(t.Name);
        Key(ref w, WireKey.DType); w.WriteString(DTypeUtf8(t.DType));
        Key(ref w, WireKey.Shape);
        w.WriteArrayHeader(t.Shape.Length);
        foreach (int d in t.Shape)
        {
            w.Write(d);
        }

        Key(ref w, WireKey.Data);
        w.WriteBinHeader(t.Data.Length);
        w.WriteRaw(t.Data.Span);
        if (t.Quantization is { } q)
        {
            Key(ref w, WireKey.Scale); w.Write(q.Scale);
            Key(ref w, WireKey.Zp); w.Write(q.ZeroPoint);
        }
    }

    private static ReadOnlySpan<byte> DTypeUtf8(TensorDType dtype) => dtype switch
    {
        TensorDType.Float32 => "f32"u8,
        TensorDType.Int64 => "i64"u8,
        TensorDType.QUInt8 => "q8"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
