using System.Buffers;
using System.Runtime.InteropServices;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Wire;

public class WireCodecRoundTripTests
{
    private static readonly DecodeLimits Limits = DecodeLimits.Default;

    [Fact]
    public void Model_RoundTripsAllFields()
    {
        ModelMessage sent = ModelMessage(Small(new Random(1)));
        Assert.True(WireCodec.TryDecodeModel(Seq(WireCodec.Encode(sent)), Limits, out ModelMessage? got, out WireError error), error.ToString());
        Assert.Equal(WireError.None, error);
        Assert.Equal(sent with { Model = got!.Model }, got);
        AssertSameState(sent.Model, got.Model);
    }

    [Fact]
    public void Update_RoundTripsAllFields()
    {
        DeviceUpdate sent = Update(Small(new Random(2)));
        Assert.True(WireCodec.TryDecodeUpdate(Seq(WireCodec.Encode(sent)), Limits, out DeviceUpdate? got, out WireError error), error.ToString());
        Assert.Equal(sent with { Model = got!.Model }, got);
        AssertSameState(sent.Model, got.Model);
    }

    [Fact]
    public void Upload_RoundTripsAllFields()
    {
        GatewayUpload sent = Upload(Mlp(new Random(3)));
        Assert.True(WireCodec.TryDecodeUpload(Seq(WireCodec.Encode(sent)), Limits, out GatewayUpload? got, out WireError error), error.ToString());
        Assert.Equal("gw-1:42", got!.UploadId);
        Assert.Equal(sent with { Model = got.Model }, got);
        AssertSameState(sent.Model, got.Model);
    }

    [Fact]
    public void Status_RoundTripsAllFields()
    {
        DeviceStatus sent = Status();
        Assert.True(WireCodec.TryDecodeStatus(Seq(WireCodec.Encode(sent)), Limits, out DeviceStatus? got, out WireError error), error.ToString());
        Assert.Equal(sent, got);
    }

    [Fact]
    public void Decline_RoundTripsAllFields()
    {
        RoundDecline sent = Decline();
        Assert.True(WireCodec.TryDecodeDecline(Seq(WireCodec.Encode(sent)), Limits, out RoundDecline? got, out WireError error), error.ToString());
        Assert.Equal(sent, got);
    }

    [Fact]
    public void QuantizedModel_RoundTripsScaleAndZeroPoint()
    {
        ModelState q8 = Quantizer.Quantize(Small(new Random(4)));
        Assert.Contains(q8.Tensors, t => t.DType == TensorDType.QUInt8);
        Assert.True(WireCodec.TryDecodeUpdate(Seq(WireCodec.Encode(Update(q8))), Limits, out DeviceUpdate? got, out WireError error), error.ToString());
        AssertSameState(q8, got!.Model);
    }

    [Fact]
    public void Timestamps_TravelAsMilliseconds()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)).AddTicks(1234);
        Assert.True(WireCodec.TryDecodeStatus(Seq(WireCodec.Encode(Status() with { At = at })), Limits, out DeviceStatus? got, out _));
        Assert.Equal(at.ToUnixTimeMilliseconds(), got!.At.ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.Zero, got.At.Offset);
    }

    [Fact]
    public void Encode_ToBufferWriter_MatchesArrayOverload()
    {
        DeviceUpdate update = Update(Small(new Random(5)));
        var buffer = new ArrayBufferWriter<byte>(16);
        WireCodec.Encode(buffer, update);
        Assert.Equal(WireCodec.Encode(update), buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Decode_SingleSegment_BorrowsPayloadWithoutCopy()
    {
        byte[] bytes = WireCodec.Encode(Update(Small(new Random(6))));
        Assert.True(WireCodec.TryDecodeUpdate(Seq(bytes), Limits, out DeviceUpdate? got, out _));
        NamedTensor weight = got!.Model.Tensors[0];
        Assert.True(MemoryMarshal.TryGetArray(weight.Data, out ArraySegment<byte> segment));
        Assert.Same(bytes, segment.Array);

        float before = weight.AsFloat32()[0];
        bytes[segment.Offset + 3] ^= 0x80; // flip the sign bit of the first float in the payload
        Assert.Equal(-before, weight.AsFloat32()[0]);
    }

    [Fact]
    public void Decode_Detach_SurvivesPayloadReuse()
    {
        ModelState original = Small(new Random(7));
        byte[] bytes = WireCodec.Encode(Update(original));
        Assert.True(WireCodec.TryDecodeUpdate(Seq(bytes), Limits, out DeviceUpdate? got, out _));
        ModelState kept = got!.Model.Detach();
        Array.Clear(bytes);
        AssertSameState(original, kept);
    }

    [Fact]
    public void Decode_MultiSegment_CopiesOnceAndOwnsData()
    {
        ModelState original = Mlp(new Random(8));
        byte[] bytes = WireCodec.Encode(ModelMessage(original));
        Assert.True(WireCodec.TryDecodeModel(Segmented(bytes, 1000), Limits, out ModelMessage? got, out WireError error), error.ToString());
        AssertSameState(original, got!.Model);
        Array.Clear(bytes);
        AssertSameState(original, got.Model);
    }

    [Fact]
    public void Decode_KeysInAnyOrder_AndUnknownKeysSkipped()
    {
        byte[] bytes = Build(w =>
        {
            w.WriteMapHeader(10);
            w.Write("future_map"); w.WriteMapHeader(1); w.Write("x"); w.WriteArrayHeader(2); w.Write(1); w.Write("two");
            w.Write("tensors"); w.WriteArrayHeader(1);
            w.WriteMapHeader(5);
            w.Write("data"); w.Write(new byte[] { 0, 0, 128, 63 });
            w.Write("novel"); w.Write(3.5);
            w.Write("shape"); w.WriteArrayHeader(1); w.Write(1);
            w.Write("dtype"); w.Write("f32");
            w.Write("name"); w.Write("w");
            w.Write("round"); w.Write(3);
            w.Write("device_id"); w.Write("d");
            w.Write("loss"); w.Write(1);
            w.Write("sample_count"); w.Write(10);
            w.Write("created_at"); w.Write(5L);
            w.Write("future_bin"); w.Write(new byte[100]);
            w.Write("t"); w.Write("update");
            w.Write("v"); w.Write(1);
        });
        Assert.True(WireCodec.TryDecodeUpdate(Seq(bytes), Limits, out DeviceUpdate? got, out WireError error), error.ToString());
        Assert.Equal(1f, got!.Model.Tensors[0].AsFloat32()[0]);
        Assert.Equal(1.0, got.Loss);
        Assert.Equal(0.0, got.TrainingSeconds); // optional, absent
        Assert.Equal(3, got.Round);
    }

    [Fact]
    public void PeekType_ReportsTheMessageType()
    {
        Assert.True(WireCodec.TryPeekType(Seq(WireCodec.Encode(Decline())), Limits, out WireMessageType type, out _));
        Assert.Equal(WireMessageType.Decline, type);
        Assert.True(WireCodec.TryPeekType(Seq(WireCodec.Encode(Update(Small(new Random(9))))), Limits, out type, out _));
        Assert.Equal(WireMessageType.Update, type);
    }

    internal static byte[] Build(Action<MessagePackWriterBox> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var box = new MessagePackWriterBox(buffer);
        write(box);
        box.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
