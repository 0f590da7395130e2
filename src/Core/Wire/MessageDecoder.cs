using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using MessagePack;
using static EdgeFL.Core.Wire.WireReading;

namespace EdgeFL.Core.Wire;

/// <summary>Reads the five message maps (keys in any order, unknown keys skipped) and their tensors.</summary>
internal static class MessageDecoder
{
    private const string Message = "message";

    /// <summary>First pass: finds "v" and "t" wherever they are and checks them, walking (not decoding) the rest.</summary>
    public static void CheckHeader(ref MessagePackReader r, DecodeLimits limits, WireMessageType expected)
    {
        WireMessageType? type = TryReadHeader(ref r, limits, out long version, out string typeText);
        if (version != WireKeys.ProtocolVersion)
        {
            throw Error(WireErrorReason.UnsupportedVersion, $"protocol version {version} is not supported (this decoder speaks {WireKeys.ProtocolVersion})");
        }

        if (type != expected)
        {
            throw Error(WireErrorReason.WrongType, $"expected a '{System.Text.Encoding.UTF8.GetString(WireKeys.TypeName(expected))}' message, got '{typeText}'");
        }
    }

    public static WireMessageType? TryReadHeader(ref MessagePackReader r, DecodeLimits limits, out long version, out string typeText)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        version = 0;
        WireMessageType? type = null;
        typeText = string.Empty;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.V:
                    version = ReadInt64(ref r, WireKey.V);
                    break;
                case WireKey.T:
                    ReadOnlySpan<byte> t = ReadToken(ref r, WireKey.T);
                    type = WireKeys.ParseType(t);
                    typeText = System.Text.Encoding.UTF8.GetString(t);
                    break;
                default:
                    SkipValue(ref r, 2, limits);
                    break;
            }
        }

        if (!r.End)
        {
            throw Error(WireErrorReason.Malformed, $"{Remaining(ref r)} bytes follow the message map");
        }

        Require(seen, WireKey.V, Message);
        Require(seen, WireKey.T, Message);
        return type;
    }

    /// <summary>Walks the message map (decoding no value) and says whether it holds any key of a signature.</summary>
    public static bool HasSignatureKey(ref MessagePackReader r, DecodeLimits limits)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        bool found = false;
        for (int i = 0; i < n; i++)
        {
            found |= ReadKey(ref r, tensorMap: false, ref seen, Message) is WireKey.SigAlg or WireKey.SigKid or WireKey.Sig;
            SkipValue(ref r, 2, limits);
        }

        return found;
    }

    public static ModelMessage ReadModel(ref MessagePackReader r, DecodeLimits l)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        string? modelId = null, source = null;
        long round = 0, totalSamples = 0;
        DateTimeOffset issuedAt = default;
        ModelState? model = null;
        string[]? selected = null;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.Selected: selected = ReadIdList(ref r, WireKey.Selected, l); break;
                case WireKey.ModelId: modelId = ReadString(ref r, WireKey.ModelId, l.MaxStringLength); break;
                case WireKey.Round: round = ReadRound(ref r); break;
                case WireKey.Source: source = ReadString(ref r, WireKey.Source, l.MaxStringLength); break;
                case WireKey.TotalSamples: totalSamples = ReadInt64(ref r, WireKey.TotalSamples); break;
                case WireKey.IssuedAt: issuedAt = ReadTimestamp(ref r, WireKey.IssuedAt); break;
                case WireKey.Tensors: model = ReadModelState(ref r, l); break;
                default: SkipValue(ref r, 2, l); break;
            }
        }

        Require(seen, WireKey.ModelId, Message);
        Require(seen, WireKey.Round, Message);
        Require(seen, WireKey.Source, Message);
        Require(seen, WireKey.IssuedAt, Message);
        Require(seen, WireKey.Tensors, Message);
        return new ModelMessage(modelId!, round, source!, totalSamples, issuedAt, model!, selected);
    }

    public static DeviceTelemetry ReadTelemetry(ref MessagePackReader r, DecodeLimits l)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        string? deviceId = null;
        DateTimeOffset at = default;
        double battery = 0, bandwidth = 0, estTrain = 0, freeMb = 0;
        double? volts = null, amps = null;
        bool charging = false, connected = false;
        long tier = 0;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.DeviceId: deviceId = ReadString(ref r, WireKey.DeviceId, l.MaxStringLength); break;
                case WireKey.At: at = ReadTimestamp(ref r, WireKey.At); break;
                case WireKey.Battery: battery = ReadDouble(ref r, WireKey.Battery); break;
                case WireKey.Charging: charging = ReadBoolean(ref r, WireKey.Charging); break;
                case WireKey.Connected: connected = ReadBoolean(ref r, WireKey.Connected); break;
                case WireKey.BandwidthKbps: bandwidth = ReadDouble(ref r, WireKey.BandwidthKbps); break;
                case WireKey.Tier: tier = ReadInt64(ref r, WireKey.Tier); break;
                case WireKey.EstTrainS: estTrain = ReadDouble(ref r, WireKey.EstTrainS); break;
                case WireKey.FreeMb: freeMb = ReadDouble(ref r, WireKey.FreeMb); break;
                case WireKey.Volts: volts = ReadDouble(ref r, WireKey.Volts); break;
                case WireKey.Amps: amps = ReadDouble(ref r, WireKey.Amps); break;
                default: SkipValue(ref r, 2, l); break;
            }
        }

        Require(seen, WireKey.DeviceId, Message);
        Require(seen, WireKey.At, Message);
        Require(seen, WireKey.Battery, Message);
        Require(seen, WireKey.Charging, Message);
        if (!(battery >= 0 && battery <= 1))
        {
            throw Error(WireErrorReason.Malformed, $"'battery' must be in [0, 1] (was {battery})");
        }

        if (tier is < 0 or > 2)
        {
            throw Error(WireErrorReason.Malformed, $"'tier' must be 0, 1 or 2 (was {tier})");
        }

        if (!double.IsFinite(bandwidth) || bandwidth < 0 || !double.IsFinite(estTrain) || estTrain < 0 || !double.IsFinite(freeMb) || freeMb < 0)
        {
            throw Error(WireErrorReason.Malformed, "'bandwidth_kbps', 'est_train_s' and 'free_mb' must be finite and not negative");
        }

        if (volts is { } v && !double.IsFinite(v) || amps is { } a && !double.IsFinite(a))
        {
            throw Error(WireErrorReason.Malformed, "'volts' and 'amps' must be finite when present");
        }

        return new DeviceTelemetry(deviceId!, at, battery, charging, connected, bandwidth, (int)tier, estTrain, freeMb, volts, amps);
    }

    /// <summary>Most ids a "selected" list may hold: far more devices than one gateway serves.</summary>
    internal const int MaxSelected = 65536;

    private static string[] ReadIdList(ref MessagePackReader r, WireKey key, DecodeLimits l)
    {
        int count = ReadArrayHeader(ref r, $"'{WireKeys.Text(key)}'");
        if (count > MaxSelected)
        {
            throw Error(WireErrorReason.LimitExceeded, $"'{WireKeys.Text(key)}': {count} ids exceed the limit of {MaxSelected}");
        }

        var ids = new string[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = ReadString(ref r, key, l.MaxStringLength);
        }

        return ids;
    }

    public static DeviceUpdate ReadUpdate(ref MessagePackReader r, DecodeLimits l)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        string? deviceId = null;
        long round = 0, sampleCount = 0;
        double loss = 0, trainS = 0, energy = 0;
        DateTimeOffset createdAt = default;
        ModelState? model = null;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.DeviceId: deviceId = ReadString(ref r, WireKey.DeviceId, l.MaxStringLength); break;
                case WireKey.Round: round = ReadRound(ref r); break;
                case WireKey.SampleCount: sampleCount = ReadInt64(ref r, WireKey.SampleCount); break;
                case WireKey.Loss: loss = ReadDouble(ref r, WireKey.Loss); break;
                case WireKey.TrainS: trainS = ReadDouble(ref r, WireKey.TrainS); break;
                case WireKey.EnergyMah: energy = ReadDouble(ref r, WireKey.EnergyMah); break;
                case WireKey.CreatedAt: createdAt = ReadTimestamp(ref r, WireKey.CreatedAt); break;
                case WireKey.Tensors: model = ReadModelState(ref r, l); break;
                default: SkipValue(ref r, 2, l); break;
            }
        }

        Require(seen, WireKey.DeviceId, Message);
        Require(seen, WireKey.Round, Message);
        Require(seen, WireKey.SampleCount, Message);
        Require(seen, WireKey.Loss, Message);
        Require(seen, WireKey.CreatedAt, Message);
        Require(seen, WireKey.Tensors, Message);
        return new DeviceUpdate(deviceId!, round, sampleCount, loss, trainS, energy, createdAt, model!);
    }

    public static GatewayUpload ReadUpload(ref MessagePackReader r, DecodeLimits l)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        string? gatewayId = null, uploadId = null, modelId = null;
        long seq = 0, round = 0, totalSamples = 0;
        DateTimeOffset createdAt = default;
        ModelState? model = null;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.GatewayId: gatewayId = ReadString(ref r, WireKey.GatewayId, l.MaxStringLength); break;
                case WireKey.UploadId: uploadId = ReadString(ref r, WireKey.UploadId, l.MaxStringLength); break;
                case WireKey.Seq: seq = ReadInt64(ref r, WireKey.Seq); break;
                case WireKey.ModelId: modelId = ReadString(ref r, WireKey.ModelId, l.MaxStringLength); break;
                case WireKey.Round: round = ReadRound(ref r); break;
                case WireKey.TotalSamples: totalSamples = ReadInt64(ref r, WireKey.TotalSamples); break;
                case WireKey.CreatedAt: createdAt = ReadTimestamp(ref r, WireKey.CreatedAt); break;
                case WireKey.Tensors: model = ReadModelState(ref r, l); break;
                default: SkipValue(ref r, 2, l); break;
            }
        }

        Require(seen, WireKey.GatewayId, Message);
        Require(seen, WireKey.UploadId, Message);
        Require(seen, WireKey.Seq, Message);
        Require(seen, WireKey.ModelId, Message);
        Require(seen, WireKey.Round, Message);
        Require(seen, WireKey.TotalSamples, Message);
        Require(seen, WireKey.CreatedAt, Message);
        Require(seen, WireKey.Tensors, Message);
        return new GatewayUpload(gatewayId!, uploadId!, seq, modelId!, round, totalSamples, createdAt, model!);
    }

    public static DeviceStatus ReadStatus(ref MessagePackReader r, DecodeLimits l)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        string? deviceId = null;
        bool online = false, charging = false;
        double battery = 0;
        DateTimeOffset at = default;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.DeviceId: deviceId = ReadString(ref r, WireKey.DeviceId, l.MaxStringLength); break;
                case WireKey.Online: online = ReadBoolean(ref r, WireKey.Online); break;
                case WireKey.Battery: battery = ReadDouble(ref r, WireKey.Battery); break;
                case WireKey.Charging: charging = ReadBoolean(ref r, WireKey.Charging); break;
                case WireKey.At: at = ReadTimestamp(ref r, WireKey.At); break;
                default: SkipValue(ref r, 2, l); break;
            }
        }

        Require(seen, WireKey.DeviceId, Message);
        Require(seen, WireKey.Online, Message);
        Require(seen, WireKey.Battery, Message);
        Require(seen, WireKey.Charging, Message);
        Require(seen, WireKey.At, Message);
        return new DeviceStatus(deviceId!, online, battery, charging, at);
    }

    public static RoundDecline ReadDecline(ref MessagePackReader r, DecodeLimits l)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        string? deviceId = null, reason = null;
        long round = 0;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.DeviceId: deviceId = ReadString(ref r, WireKey.DeviceId, l.MaxStringLength); break;
                case WireKey.Round: round = ReadRound(ref r); break;
                case WireKey.Reason: reason = ReadString(ref r, WireKey.Reason, l.MaxStringLength); break;
                default: SkipValue(ref r, 2, l); break;
            }
        }

        Require(seen, WireKey.DeviceId, Message);
        Require(seen, WireKey.Round, Message);
        Require(seen, WireKey.Reason, Message);
        return new RoundDecline(deviceId!, round, reason!);
    }

    public static UploadAck ReadAck(ref MessagePackReader r, DecodeLimits l)
    {
        int n = ReadMapHeader(ref r, Message);
        ulong seen = 0;
        string? gatewayId = null, uploadId = null, outcome = null;
        long round = 0;
        for (int i = 0; i < n; i++)
        {
            switch (ReadKey(ref r, tensorMap: false, ref seen, Message))
            {
                case WireKey.GatewayId: gatewayId = ReadString(ref r, WireKey.GatewayId, l.MaxStringLength); break;
                case WireKey.UploadId: uploadId = ReadString(ref r, WireKey.UploadId, l.MaxStringLength); break;
                case WireKey.Round: round = ReadRound(ref r); break;
                case WireKey.Reason: outcome = ReadString(ref r, WireKey.Reason, l.MaxStringLength); break;
                default: SkipValue(ref r, 2, l); break;
            }
        }

        Require(seen, WireKey.GatewayId, Message);
        Require(seen, WireKey.UploadId, Message);
        Require(seen, WireKey.Round, Message);
        Require(seen, WireKey.Reason, Message);
        return new UploadAck(gatewayId!, uploadId!, round, outcome!);
    }

    private static ModelState ReadModelState(ref MessagePackReader r, DecodeLimits l)
    {
        int count = ReadArrayHeader(ref r, "'tensors'");
        if (count > l.MaxTensors)
        {
            throw Error(WireErrorReason.LimitExceeded, $"'tensors': {count} tensors exceed the limit of {l.MaxTensors}");
        }

        var tensors = new NamedTensor[count];
        var names = new HashSet<string>(count, StringComparer.Ordinal);
        long totalElements = 0;
        for (int i = 0; i < count; i++)
        {
            NamedTensor t = TensorDecoder.Read(ref r, l, i, ref totalElements);
            if (!names.Add(t.Name))
            {
                throw Error(WireErrorReason.BadTensor, $"tensor[{i}]: name '{t.Name}' appears twice");
            }

            tensors[i] = t;
        }

        return new ModelState(tensors);
    }
}
