using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Topics;
using EdgeFL.Core.Wire;
using MessagePack;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Wire;

public class TelemetryAndSelectionWireTests
{
    private static readonly DecodeLimits Limits = DecodeLimits.Default;

    private static DeviceTelemetry Telemetry(double? volts = null, double? amps = null) =>
        new("dev-007", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), 0.42, true, true, 750.5, 1, 12.5, 310.25, volts, amps);

    [Fact]
    public void Telemetry_RoundTripsAllFields()
    {
        foreach (var sent in new[] { Telemetry(), Telemetry(3.71, -0.2) })
        {
            Assert.True(WireCodec.TryDecodeTelemetry(new ReadOnlySequence<byte>(WireCodec.Encode(sent)), Limits, out var got, out var error), error.ToString());
            Assert.Equal(sent, got);
        }
    }

    [Fact]
    public void Telemetry_IsNotAStatus_AndPeeksAsTelemetry()
    {
        var payload = new ReadOnlySequence<byte>(WireCodec.Encode(Telemetry()));
        Assert.False(WireCodec.TryDecodeStatus(payload, Limits, out _, out var error));
        Assert.Equal(WireErrorReason.WrongType, error.Reason);
        Assert.True(WireCodec.TryPeekType(payload, Limits, out var type, out _));
        Assert.Equal(WireMessageType.Telemetry, type);
    }

    [Theory]
    [InlineData("battery", 1.5)]
    [InlineData("battery", double.NaN)]
    [InlineData("free_mb", -1.0)]
    [InlineData("est_train_s", double.PositiveInfinity)]
    public void Telemetry_OutOfRangeNumbers_AreRejected(string key, double value)
    {
        Assert.False(WireCodec.TryDecodeTelemetry(new ReadOnlySequence<byte>(Rewrite(key, value)), Limits, out _, out var error));
        Assert.Equal(WireErrorReason.Malformed, error.Reason);
    }

    [Fact]
    public void Telemetry_MissingBattery_IsRejected()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteMapHeader(4);
        w.Write("v"); w.Write(1);
        w.Write("t"); w.Write("telemetry");
        w.Write("device_id"); w.Write("d");
        w.Write("at"); w.Write(1L);
        w.Flush();
        Assert.False(WireCodec.TryDecodeTelemetry(new ReadOnlySequence<byte>(buffer.WrittenMemory), Limits, out _, out var error));
        Assert.Equal(WireErrorReason.MissingField, error.Reason);
    }

    [Fact]
    public void Model_SelectedList_RoundTrips_AndAbsentMeansNull()
    {
        var plain = ModelMessage(Small(new Random(5)));
        Assert.True(WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(WireCodec.Encode(plain)), Limits, out var got, out _));
        Assert.Null(got!.Selected);

        var selected = plain with { Selected = ["dev-1", "dev-3"] };
        Assert.True(WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(WireCodec.Encode(selected)), Limits, out got, out var error), error.ToString());
        Assert.Equal(["dev-1", "dev-3"], got!.Selected!);

        var none = plain with { Selected = [] };
        Assert.True(WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(WireCodec.Encode(none)), Limits, out got, out _));
        Assert.Empty(got!.Selected!);
    }

    [Fact]
    public void Model_SelectedNotAnArrayOfStrings_IsRejected()
    {
        var plain = WireCodec.Encode(ModelMessage(Small(new Random(6))));
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        var r = new MessagePackReader(plain);
        int n = r.ReadMapHeader();
        w.WriteMapHeader(n + 1);
        for (int i = 0; i < n * 2; i++)
        {
            w.WriteRaw(r.ReadRaw());
        }

        w.Write("selected");
        w.WriteArrayHeader(2);
        w.Write("dev-1");
        w.Write(7);
        w.Flush();
        Assert.False(WireCodec.TryDecodeModel(new ReadOnlySequence<byte>(buffer.WrittenMemory), Limits, out _, out var error));
        Assert.NotEqual(WireErrorReason.None, error.Reason);
    }

    [Fact]
    public void TopicScheme_TelemetryTopic_MatchesItsFilterAndYieldsTheDevice()
    {
        var topics = new TopicScheme();
        Assert.Equal("edgefl/v1/gw-1/devices/dev-9/telemetry", topics.DeviceTelemetry("gw-1", "dev-9"));
        Assert.Equal("edgefl/v1/gw-1/devices/+/telemetry", topics.DeviceTelemetryFilter("gw-1"));
        Assert.Equal("dev-9", topics.DeviceIdFrom(topics.DeviceTelemetry("gw-1", "dev-9")));
    }

    /// <summary>A telemetry payload with one numeric key's value replaced.</summary>
    private static byte[] Rewrite(string key, double value)
    {
        var original = WireCodec.Encode(Telemetry());
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        var r = new MessagePackReader(original);
        int n = r.ReadMapHeader();
        w.WriteMapHeader(n);
        for (int i = 0; i < n; i++)
        {
            string k = r.ReadString()!;
            w.Write(k);
            if (k == key)
            {
                r.Skip();
                w.Write(value);
            }
            else
            {
                w.WriteRaw(r.ReadRaw());
            }
        }

        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
