using System.Buffers;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using static EdgeFL.Core.Tests.TestModels;
using static EdgeFL.Core.Tests.Wire.WireCodecRoundTripTests;

namespace EdgeFL.Core.Tests.Wire;

public class WireCodecRejectTests
{
    private static readonly DecodeLimits Limits = DecodeLimits.Default;

    /// <summary>A one-tensor update written by hand; the tensor's entries and extra top-level entries are up to the caller.</summary>
    private static byte[] HandUpdate(Action<MessagePackWriterBox> tensor, int tensorEntries, int version = 1, string type = "update", bool withAt = true)
    {
        return Build(w =>
        {
            w.WriteMapHeader(withAt ? 8 : 7);
            w.Write("v"); w.Write(version);
            w.Write("t"); w.Write(type);
            w.Write("device_id"); w.Write("d");
            w.Write("round"); w.Write(1);
            w.Write("sample_count"); w.Write(10);
            w.Write("loss"); w.Write(0.5);
            if (withAt)
            {
                w.Write("created_at"); w.Write(1L);
            }

            w.Write("tensors"); w.WriteArrayHeader(1);
            w.WriteMapHeader(tensorEntries);
            tensor(w);
        });
    }

    private static void F32Tensor(MessagePackWriterBox w, int[] shape, byte[] data)
    {
        w.Write("name"); w.Write("w");
        w.Write("dtype"); w.Write("f32");
        w.Write("shape"); w.WriteArrayHeader(shape.Length);
        foreach (int d in shape)
        {
            w.Write(d);
        }

        w.Write("data"); w.Write(data);
    }

    private static WireError DecodeUpdate(byte[] bytes, DecodeLimits? limits = null)
    {
        bool ok = WireCodec.TryDecodeUpdate(new ReadOnlySequence<byte>(bytes), limits ?? Limits, out DeviceUpdate? msg, out WireError error);
        Assert.False(ok, "decoding should have failed");
        Assert.Null(msg);
        Assert.NotEqual(string.Empty, error.Detail);
        return error;
    }

    [Fact]
    public void HandUpdate_IsValidAsWritten()
    {
        byte[] bytes = HandUpdate(w => F32Tensor(w, [2], new byte[8]), 4);
        Assert.True(WireCodec.TryDecodeUpdate(Seq(bytes), Limits, out _, out WireError error), error.ToString());
    }

    [Fact]
    public void Decode_EveryTruncatedPrefix_IsRejectedAsTruncated()
    {
        byte[][] messages =
        [
            WireCodec.Encode(Update(Small(new Random(1)))),
            WireCodec.Encode(Update(Quantizer.Quantize(Small(new Random(2))))),
            WireCodec.Encode(Status()),
        ];
        foreach (byte[] full in messages)
        {
            for (int length = 0; length < full.Length; length++)
            {
                var prefix = new ReadOnlySequence<byte>(full, 0, length);
                bool ok = WireCodec.TryDecodeUpdate(prefix, Limits, out _, out WireError e1)
                    | WireCodec.TryDecodeStatus(prefix, Limits, out _, out WireError e2);
                Assert.False(ok, $"prefix of {length}/{full.Length} bytes decoded");
                Assert.True(e1.Reason == WireErrorReason.Truncated, $"prefix {length}: {e1}");
                Assert.True(e2.Reason == WireErrorReason.Truncated, $"prefix {length}: {e2}");
            }
        }
    }

    [Fact]
    public void Decode_WrongMessageType_IsRejected()
    {
        byte[] update = WireCodec.Encode(Update(Small(new Random(3))));
        Assert.False(WireCodec.TryDecodeModel(Seq(update), Limits, out _, out WireError error));
        Assert.Equal(WireErrorReason.WrongType, error.Reason);
        Assert.Contains("update", error.Detail, StringComparison.Ordinal);

        Assert.Equal(WireErrorReason.WrongType, DecodeUpdate(HandUpdate(w => F32Tensor(w, [2], new byte[8]), 4, type: "bogus")).Reason);
    }

    [Fact]
    public void Decode_UnsupportedVersion_IsRejected()
    {
        Assert.Equal(WireErrorReason.UnsupportedVersion, DecodeUpdate(HandUpdate(w => F32Tensor(w, [2], new byte[8]), 4, version: 2)).Reason);
    }

    [Fact]
    public void Decode_UnsupportedVersion_WinsOverAnUnreadableBody()
    {
        // A v2 sender may change the tensor format; the error must say "version", not "bad tensor".
        byte[] bytes = HandUpdate(w => { w.Write("name"); w.Write("w"); w.Write("data"); w.Write(new[] { 1.0 }.Length); }, 2, version: 2);
        Assert.Equal(WireErrorReason.UnsupportedVersion, DecodeUpdate(bytes).Reason);
    }

    [Fact]
    public void Decode_MissingRequiredField_IsRejected()
    {
        WireError error = DecodeUpdate(HandUpdate(w => F32Tensor(w, [2], new byte[8]), 4, withAt: false));
        Assert.Equal(WireErrorReason.MissingField, error.Reason);
        Assert.Contains("created_at", error.Detail, StringComparison.Ordinal);

        WireError noShape = DecodeUpdate(HandUpdate(w => { w.Write("name"); w.Write("w"); w.Write("dtype"); w.Write("f32"); w.Write("data"); w.Write(new byte[8]); }, 3));
        Assert.Equal(WireErrorReason.MissingField, noShape.Reason);
        Assert.Contains("shape", noShape.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(0)]
    public void Decode_DataLengthNotMatchingShape_IsBadTensor(int dataBytes)
    {
        Assert.Equal(WireErrorReason.BadTensor, DecodeUpdate(HandUpdate(w => F32Tensor(w, [2], new byte[dataBytes]), 4)).Reason);
    }

    [Fact]
    public void Decode_DataAsArrayOfFloats_IsBadTensor()
    {
        byte[] bytes = HandUpdate(
            w =>
            {
                w.Write("name"); w.Write("w");
                w.Write("dtype"); w.Write("f32");
                w.Write("shape"); w.WriteArrayHeader(1); w.Write(2);
                w.Write("data"); w.WriteArrayHeader(2); w.Write(1f); w.Write(2f);
            },
            4);
        WireError error = DecodeUpdate(bytes);
        Assert.Equal(WireErrorReason.BadTensor, error.Reason);
        Assert.Contains("bin", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("f16", 1.0, 0)]
    [InlineData("q8", 0.0, 0)]
    [InlineData("q8", double.NaN, 0)]
    [InlineData("q8", 0.5, 256)]
    [InlineData("q8", 0.5, -1)]
    public void Decode_BadDTypeOrQuantization_IsBadTensor(string dtype, double scale, int zp)
    {
        byte[] bytes = HandUpdate(
            w =>
            {
                w.Write("name"); w.Write("w");
                w.Write("dtype"); w.Write(dtype);
                w.Write("shape"); w.WriteArrayHeader(1); w.Write(2);
                w.Write("data"); w.Write(new byte[2]);
                w.Write("scale"); w.Write(scale);
                w.Write("zp"); w.Write(zp);
            },
            6);
        Assert.Equal(WireErrorReason.BadTensor, DecodeUpdate(bytes).Reason);
    }

    [Fact]
    public void Decode_QuantizationOnFloatTensor_IsBadTensor()
    {
        byte[] bytes = HandUpdate(w => { F32Tensor(w, [1], new byte[4]); w.Write("scale"); w.Write(1.0); }, 5);
        Assert.Equal(WireErrorReason.BadTensor, DecodeUpdate(bytes).Reason);
    }

    [Fact]
    public void Decode_DuplicateKey_IsMalformed()
    {
        byte[] bytes = HandUpdate(w => { F32Tensor(w, [1], new byte[4]); w.Write("name"); w.Write("again"); }, 5);
        Assert.Equal(WireErrorReason.Malformed, DecodeUpdate(bytes).Reason);
    }

    [Fact]
    public void Decode_WrongValueType_IsMalformed()
    {
        byte[] bytes = Build(w =>
        {
            w.WriteMapHeader(3);
            w.Write("v"); w.Write(1);
            w.Write("t"); w.Write("decline");
            w.Write("device_id"); w.Write(17);
        });
        Assert.False(WireCodec.TryDecodeDecline(Seq(bytes), Limits, out _, out WireError error));
        Assert.Equal(WireErrorReason.Malformed, error.Reason);
    }

    [Fact]
    public void Ack_RoundTrips_AndAMissingKeyIsRefused()
    {
        var ack = new UploadAck("gw-1", "gw-1:12", 60, UploadAck.Accepted);
        Assert.True(WireCodec.TryDecodeAck(Seq(WireCodec.Encode(ack)), Limits, out var decoded, out WireError error), error.ToString());
        Assert.Equal(ack, decoded);
        Assert.True(decoded!.IsApplied);

        byte[] noReason = Build(w =>
        {
            w.WriteMapHeader(5);
            w.Write("v"); w.Write(1);
            w.Write("t"); w.Write("ack");
            w.Write("gateway_id"); w.Write("gw-1");
            w.Write("upload_id"); w.Write("gw-1:12");
            w.Write("round"); w.Write(60);
        });
        Assert.False(WireCodec.TryDecodeAck(Seq(noReason), Limits, out _, out error));
        Assert.Equal(WireErrorReason.MissingField, error.Reason);
        Assert.False(WireCodec.TryDecodeAck(Seq(WireCodec.Encode(new RoundDecline("d", 1, "x"))), Limits, out _, out _));
    }

    [Fact]
    public void Decode_TrailingBytes_AreMalformed()
    {
        byte[] valid = WireCodec.Encode(Status());
        byte[] bytes = [.. valid, 0xc0];
        Assert.False(WireCodec.TryDecodeStatus(Seq(bytes), Limits, out _, out WireError error));
        Assert.Equal(WireErrorReason.Malformed, error.Reason);
    }

    [Fact]
    public void Decode_BinHeaderClaiming2GB_InSmallPayload_IsTruncatedWithoutAllocating()
    {
        byte[] bytes = HandUpdate(
            w =>
            {
                w.Write("name"); w.Write("w");
                w.Write("dtype"); w.Write("f32");
                w.Write("shape"); w.WriteArrayHeader(1); w.Write(1 << 29);
                w.Write("data"); w.WriteRaw([0xc6, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
            },
            4);
        Assert.True(bytes.Length < 150);
        long before = GC.GetAllocatedBytesForCurrentThread();
        WireError error = DecodeUpdate(bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(WireErrorReason.Truncated, error.Reason);
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff })] // array32 of 4G items as the tensors value
    [InlineData(new byte[] { 0xdf, 0x7f, 0xff, 0xff, 0xff })] // map32 of 2G entries
    [InlineData(new byte[] { 0xdb, 0x7f, 0xff, 0xff, 0xff })] // str32 of 2G bytes
    public void Decode_HugeDeclaredCounts_AreRejectedWithoutAllocating(byte[] value)
    {
        byte[] prefix = Build(w => { w.WriteMapHeader(2); w.Write("v"); w.Write(1); w.Write("tensors"); });
        byte[] bytes = [.. prefix, .. value, 1, 2, 3];
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok = WireCodec.TryDecodeUpdate(Seq(bytes), Limits, out _, out WireError error);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.False(ok);
        Assert.Equal(WireErrorReason.Truncated, error.Reason);
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Decode_PayloadOverLimit_IsTooLargeBeforeParsing()
    {
        byte[] bytes = WireCodec.Encode(Update(Mlp(new Random(4))));
        WireError error = DecodeUpdate(bytes, Limits with { MaxPayloadBytes = bytes.Length - 1 });
        Assert.Equal(WireErrorReason.TooLarge, error.Reason);
        Assert.True(WireCodec.TryDecodeUpdate(Seq(bytes), Limits with { MaxPayloadBytes = bytes.Length }, out _, out _));

        // Not even parsed: garbage over the limit is "too large", not "malformed".
        Assert.Equal(WireErrorReason.TooLarge, DecodeUpdate(new byte[101], Limits with { MaxPayloadBytes = 100 }).Reason);
    }

    public static TheoryData<string, DecodeLimits> OverLimits() => new()
    {
        { "tensors", DecodeLimits.Default with { MaxTensors = 4 } },
        { "rank", DecodeLimits.Default with { MaxRank = 2 } },
        { "tensor elements", DecodeLimits.Default with { MaxTensorElements = 11 } },
        { "total elements", DecodeLimits.Default with { MaxTotalElements = 15 } },
        { "name length", DecodeLimits.Default with { MaxNameLength = 10 } },
        { "string length", DecodeLimits.Default with { MaxStringLength = 5 } },
    };

    [Theory]
    [MemberData(nameof(OverLimits))]
    public void Decode_OverEachLimit_IsLimitExceeded(string which, DecodeLimits limits)
    {
        // Small(): 5 tensors, rank 3 [2,3,2] = 12 elements, 16 elements total, names up to 21 bytes, device id "device-1".
        byte[] bytes = WireCodec.Encode(Update(Small(new Random(5)), deviceId: "device-1"));
        Assert.True(WireCodec.TryDecodeUpdate(Seq(bytes), Limits, out _, out _));
        WireError error = DecodeUpdate(bytes, limits);
        Assert.True(error.Reason == WireErrorReason.LimitExceeded, $"{which}: {error}");
    }

    [Fact]
    public void Decode_DeeplyNestedUnknownValue_IsLimitExceededWithoutStackOverflow()
    {
        byte[] prefix = Build(w => { w.WriteMapHeader(3); w.Write("v"); w.Write(1); w.Write("t"); w.Write("status"); w.Write("x"); });
        var nested = new byte[1_000_000];
        nested.AsSpan().Fill(0x91); // fixarray of one element, a million deep
        byte[] bytes = [.. prefix, .. nested, 0xc0];
        Assert.False(WireCodec.TryDecodeStatus(Seq(bytes), Limits, out _, out WireError error));
        Assert.Equal(WireErrorReason.LimitExceeded, error.Reason);
    }

    [Fact]
    public void Decode_InvalidUtf8_IsMalformed()
    {
        byte[] prefix = Build(w => { w.WriteMapHeader(5); w.Write("v"); w.Write(1); w.Write("t"); w.Write("decline"); w.Write("round"); w.Write(1); w.Write("reason"); w.Write("x"); w.Write("device_id"); });
        byte[] bytes = [.. prefix, 0xa2, 0xff, 0xfe];
        Assert.False(WireCodec.TryDecodeDecline(Seq(bytes), Limits, out _, out WireError error));
        Assert.Equal(WireErrorReason.Malformed, error.Reason);
    }

    [Fact]
    public void Decode_RandomAndMutatedInputs_NeverThrow()
    {
        var rng = new Random(20251129);
        byte[][] seeds =
        [
            WireCodec.Encode(Update(Small(new Random(6)))),
            WireCodec.Encode(Update(Quantizer.Quantize(Small(new Random(7))))),
            WireCodec.Encode(ModelMessage(Small(new Random(8)))),
            WireCodec.Encode(Upload(Small(new Random(9)))),
            WireCodec.Encode(Status()),
            WireCodec.Encode(Decline()),
        ];
        int decoded = 0;
        for (int i = 0; i < 6000; i++)
        {
            byte[] input;
            if (i % 3 == 0)
            {
                input = new byte[rng.Next(0, 300)];
                rng.NextBytes(input);
                if (input.Length > 0)
                {
                    input[0] = (byte)(0x80 | rng.Next(16)); // often a fixmap, to get past the first byte
                }
            }
            else
            {
                input = (byte[])seeds[rng.Next(seeds.Length)].Clone();
                int flips = rng.Next(1, 6);
                for (int f = 0; f < flips; f++)
                {
                    input[rng.Next(input.Length)] = (byte)rng.Next(256);
                }

                if (rng.Next(4) == 0)
                {
                    input = input[..rng.Next(input.Length)];
                }
            }

            var payload = new ReadOnlySequence<byte>(input);
            decoded += WireCodec.TryDecodeUpdate(payload, Limits, out _, out WireError e) ? 1 : Check(e);
            decoded += WireCodec.TryDecodeModel(payload, Limits, out _, out e) ? 1 : Check(e);
            decoded += WireCodec.TryDecodeUpload(payload, Limits, out _, out e) ? 1 : Check(e);
            decoded += WireCodec.TryDecodeStatus(payload, Limits, out _, out e) ? 1 : Check(e);
            decoded += WireCodec.TryDecodeDecline(payload, Limits, out _, out e) ? 1 : Check(e);
            decoded += WireCodec.TryDecodeAck(payload, Limits, out _, out e) ? 1 : Check(e);
            decoded += WireCodec.TryPeekType(payload, Limits, out _, out e) ? 1 : Check(e);
        }

        Assert.True(decoded > 0, "some mutations (e.g. inside tensor data) should still decode");

        static int Check(WireError e)
        {
            Assert.NotEqual(WireErrorReason.None, e.Reason);
            return 0;
        }
    }
}
