using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using MessagePack;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Wire;

/// <summary>The bytes are plain MessagePack a third party can read with any generic library.</summary>
public class WireCompatibilityTests
{
    /// <summary>The worked example of docs/PROTOCOL.md; if this changes, the document must change with it.</summary>
    internal const string WorkedExampleHex =
        "88a17601a174a56d6f64656ca86d6f64656c5f6964a3746f79a5726f756e6403a6736f75726365a467772d31ad746f74616c5f73616d706c65730aa969737375" +
        "65645f6174cf0000019acce8cc00a774656e736f72739184a46e616d65a177a56474797065a3663332a573686170659102a464617461c4080000803f000000c0";

    private static ModelMessage WorkedExample() => new(
        "toy",
        3,
        "gw-1",
        10,
        DateTimeOffset.FromUnixTimeMilliseconds(1_764_374_400_000),
        new ModelState([NamedTensor.FromFloat32("w", [2], [1.0f, -2.0f])]));

    [Fact]
    public void WorkedExample_MatchesProtocolDocument()
    {
        Assert.Equal(WorkedExampleHex.Replace(" ", string.Empty, StringComparison.Ordinal), Convert.ToHexStringLower(WireCodec.Encode(WorkedExample())));
    }

    [Fact]
    public void GenericMessagePackRead_SeesDocumentedKeysAndBinData()
    {
        ModelState model = Quantizer.Quantize(Small(new Random(1)));
        byte[] bytes = WireCodec.Encode(Update(model));

        var map = Assert.IsType<Dictionary<object, object>>(MessagePackSerializer.Deserialize<object>(bytes, MessagePackSerializerOptions.Standard));
        Assert.Equal(
            new[] { "v", "t", "device_id", "round", "sample_count", "loss", "train_s", "energy_mah", "created_at", "tensors" },
            map.Keys.Cast<string>().ToArray());
        Assert.Equal(1, Convert.ToInt32(map["v"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("update", map["t"]);
        Assert.Equal(Time.ToUnixTimeMilliseconds(), Convert.ToInt64(map["created_at"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0.4321, Assert.IsType<double>(map["loss"]));

        object[] tensors = Assert.IsType<object[]>(map["tensors"]);
        Assert.Equal(model.Tensors.Count, tensors.Length);
        for (int i = 0; i < tensors.Length; i++)
        {
            NamedTensor expected = model.Tensors[i];
            var t = Assert.IsType<Dictionary<object, object>>(tensors[i]);
            Assert.Equal(expected.Name, t["name"]);
            Assert.Equal(expected.DType.WireName(), t["dtype"]);
            Assert.Equal(expected.Shape, ((object[])t["shape"]).Select(d => Convert.ToInt32(d, System.Globalization.CultureInfo.InvariantCulture)));
            byte[] data = Assert.IsType<byte[]>(t["data"]); // bin, not an array of numbers
            Assert.Equal(expected.Data.ToArray(), data);
            if (expected.Quantization is { } q)
            {
                Assert.Equal(q.Scale, Assert.IsType<float>(t["scale"]));
                Assert.Equal(q.ZeroPoint, Convert.ToInt32(t["zp"], System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                Assert.False(t.ContainsKey("scale"));
            }
        }
    }

    [Fact]
    public void FloatData_IsLittleEndianIeee754()
    {
        byte[] bytes = WireCodec.Encode(WorkedExample());
        byte[] one = [0x00, 0x00, 0x80, 0x3f];
        byte[] minusTwo = [0x00, 0x00, 0x00, 0xc0];
        Assert.EndsWith(Convert.ToHexString([0xc4, 8, .. one, .. minusTwo]), Convert.ToHexString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void GenericMessagePackWriter_ProducesDecodableUpdate()
    {
        // What a Python/JS device would send: a plain dict serialized by a generic library, keys in its own order.
        var tensor = new Dictionary<string, object>
        {
            ["shape"] = new[] { 2 },
            ["name"] = "w",
            ["data"] = new byte[] { 0, 0, 128, 63, 0, 0, 0, 64 },
            ["dtype"] = "f32",
        };
        var message = new Dictionary<string, object>
        {
            ["t"] = "update",
            ["v"] = 1,
            ["device_id"] = "py-1",
            ["round"] = 5,
            ["sample_count"] = 120,
            ["loss"] = 0.25,
            ["created_at"] = 1_764_374_400_000L,
            ["tensors"] = new object[] { tensor },
        };
        byte[] bytes = MessagePackSerializer.Serialize<object>(message, MessagePackSerializerOptions.Standard);
        Assert.True(WireCodec.TryDecodeUpdate(new System.Buffers.ReadOnlySequence<byte>(bytes), DecodeLimits.Default, out DeviceUpdate? got, out WireError error), error.ToString());
        Assert.Equal([1f, 2f], got!.Model.Tensors[0].AsFloat32().ToArray());
        Assert.Equal(120, got.SampleCount);
    }
}
