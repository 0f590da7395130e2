using EdgeFL.Core.Models;
using EdgeFL.Core.Wire;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Models;

public class QuantizerTests
{
    public static TheoryData<string, float[]> Cases()
    {
        var rng = new Random(11);
        var data = new TheoryData<string, float[]>
        {
            { "normal", Floats(Normal(rng, "x", [5000], std: 0.05)) },
            { "wide normal", Floats(Normal(rng, "x", [3000], std: 40, mean: 7)) },
            { "all equal positive", Enumerable.Repeat(3.75f, 100).ToArray() },
            { "all equal negative", Enumerable.Repeat(-0.125f, 100).ToArray() },
            { "all zero", new float[64] },
            { "all negative", Enumerable.Range(1, 500).Select(i => -i * 0.01f).ToArray() },
            { "all positive", Enumerable.Range(1, 500).Select(i => i * 0.37f).ToArray() },
            { "single", [0.3f] },
            { "tiny", [-1e-3f, 2e-3f] },
            { "extremes", [float.MaxValue / 2, -float.MaxValue / 2, 0f, 1f] },
            { "longer than a chunk", Floats(Normal(rng, "x", [2 * 1024 + 17])) },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Quantize_ReconstructsEveryElementWithinHalfAScale(string name, float[] values)
    {
        NamedTensor q = Quantizer.Quantize(NamedTensor.FromFloat32(name, [values.Length], values));
        Assert.Equal(TensorDType.QUInt8, q.DType);
        Quantization p = q.Quantization!.Value;
        Assert.True(float.IsFinite(p.Scale) && p.Scale > 0, $"scale {p.Scale}");
        Assert.InRange(p.ZeroPoint, 0, 255);

        float[] back = Floats(Quantizer.Dequantize(q));
        for (int i = 0; i < values.Length; i++)
        {
            double bound = (p.Scale / 2.0 * (1 + 1e-5)) + (Math.Abs(values[i]) * 1e-6);
            double error = Math.Abs((double)values[i] - back[i]);
            Assert.True(error <= bound, $"{name}[{i}]: {values[i]} -> {back[i]}, error {error} > {bound} (scale {p.Scale}, zp {p.ZeroPoint})");
        }
    }

    [Fact]
    public void Quantize_ZeroIsExact()
    {
        float[] values = [-1.3f, 0f, 0.2f, 2.9f, 0f];
        float[] back = Floats(Quantizer.Dequantize(Quantizer.Quantize(NamedTensor.FromFloat32("x", [5], values))));
        Assert.Equal(0f, back[1]);
        Assert.Equal(0f, back[4]);
    }

    [Fact]
    public void Quantize_FollowsThePyTorchFormula()
    {
        // range [-1, 3] -> scale 4/255, zp round(255/4) = 64
        NamedTensor q = Quantizer.Quantize(NamedTensor.FromFloat32("x", [3], [-1f, 0f, 3f]));
        Assert.Equal(4f / 255f, q.Quantization!.Value.Scale, 1e-7f);
        Assert.Equal(64, q.Quantization.Value.ZeroPoint);
        Assert.Equal(new byte[] { 0, 64, 255 }, q.Data.ToArray());
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Quantize_NonFiniteInput_Throws(float bad)
    {
        var values = new float[3000];
        values[2500] = bad;
        Assert.Throws<ArgumentException>(() => Quantizer.Quantize(NamedTensor.FromFloat32("x", [values.Length], values)));
    }

    [Fact]
    public void Quantize_Int64AndEmptyTensors()
    {
        NamedTensor counter = NamedTensor.FromInt64("n", [], [12345]);
        Assert.Same(counter, Quantizer.Quantize(counter));

        NamedTensor empty = Quantizer.Quantize(NamedTensor.FromFloat32("e", [0, 4], []));
        Assert.Equal(TensorDType.QUInt8, empty.DType);
        Assert.Equal(0, Quantizer.Dequantize(empty).Data.Length);
    }

    [Fact]
    public void QuantizeModel_KeepsLayoutAndDequantizesToFloat32()
    {
        ModelState model = Small(new Random(12));
        ModelState q = Quantizer.Quantize(model);
        Assert.True(q.HasSameLayout(model));
        ModelState back = Quantizer.Dequantize(q);
        Assert.True(back.HasSameLayout(model));
        Assert.All(back.Tensors, t => Assert.NotEqual(TensorDType.QUInt8, t.DType));
        Assert.Equal(model.Tensors[2].Data.ToArray(), back.Tensors[2].Data.ToArray()); // int64 untouched
    }

    [Fact]
    public void EncodedQ8Mlp_IsAtLeast3Point9TimesSmallerThanF32()
    {
        ModelState model = Mlp(new Random(13));
        Assert.Equal(25_818, model.ElementCount);
        int f32 = WireCodec.Encode(Update(model)).Length;
        int q8 = WireCodec.Encode(Update(Quantizer.Quantize(model))).Length;
        double ratio = (double)f32 / q8;
        Assert.True(ratio >= 3.9, $"f32 {f32} bytes, q8 {q8} bytes, ratio {ratio:F3}");
    }
}
