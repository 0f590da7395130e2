using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;
using EdgeFL.Core.Validation;
using static EdgeFL.Core.Tests.TestModels;

namespace EdgeFL.Core.Tests.Validation;

public class UpdateValidatorTests
{
    private static readonly ModelState Current = Small(new Random(31));
    private readonly UpdateValidator validator = new();

    private static ModelState WithTensor(int index, NamedTensor replacement)
    {
        var tensors = Small(new Random(32)).Tensors.ToArray();
        tensors[index] = replacement;
        return new ModelState(tensors);
    }

    [Fact]
    public void Validate_GoodUpdate_IsAccepted()
    {
        ValidationResult result = validator.Validate(Update(Small(new Random(33)), round: 7), Current, 7);
        Assert.True(result.IsAccepted, result.ToString());
        Assert.True(validator.Validate(Update(Quantizer.Quantize(Small(new Random(34))), round: 7), Current, 7).IsAccepted);
    }

    [Theory]
    [InlineData(6, 0)]
    [InlineData(8, 0)]
    [InlineData(4, 2)]
    [InlineData(8, 2)]
    public void Validate_WrongRound_IsRejected(long round, long staleness)
    {
        var v = new UpdateValidator(new ValidationLimits { MaxStaleness = staleness });
        Assert.Equal(RejectReason.WrongRound, v.Validate(Update(Small(new Random(35)), round: round), Current, 7).Reason);
    }

    [Fact]
    public void Validate_StaleWithinAllowance_IsAccepted()
    {
        var v = new UpdateValidator(new ValidationLimits { MaxStaleness = 2 });
        Assert.True(v.Validate(Update(Small(new Random(36)), round: 5), Current, 7).IsAccepted);
    }

    [Fact]
    public void Validate_LayoutMismatch_IsRejectedNamingTheTensor()
    {
        ModelState wrong = WithTensor(1, Normal(new Random(37), "conv.bias", [3]));
        ValidationResult result = validator.Validate(Update(wrong, round: 7), Current, 7);
        Assert.Equal(RejectReason.LayoutMismatch, result.Reason);
        Assert.Contains("conv.bias", result.Detail, StringComparison.Ordinal);
        Assert.Equal(RejectReason.LayoutMismatch, validator.Validate(Update(Mlp(new Random(38)), round: 7), Current, 7).Reason);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Validate_NonFiniteWeights_AreRejected(float bad)
    {
        var values = new float[12];
        values[11] = bad;
        ModelState poisoned = WithTensor(0, NamedTensor.FromFloat32("conv.weight", [2, 3, 2], values));
        ValidationResult result = validator.Validate(Update(poisoned, round: 7), Current, 7);
        Assert.Equal(RejectReason.NonFinite, result.Reason);
        Assert.Contains("conv.weight", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LargeButFiniteWeights_AreAccepted()
    {
        ModelState big = WithTensor(0, NamedTensor.FromFloat32("conv.weight", [2, 3, 2], Enumerable.Repeat(3e38f, 12).ToArray()));
        Assert.True(validator.Validate(Update(big, round: 7), Current, 7).IsAccepted);
    }

    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(0f, 0)]
    [InlineData(-1f, 0)]
    [InlineData(0.1f, 300)]
    public void Validate_UnusableQuantization_IsRejected(float scale, int zp)
    {
        ModelState q = WithTensor(1, new NamedTensor("conv.bias", [2], TensorDType.QUInt8, new byte[2], new Quantization(scale, zp)));
        Assert.Equal(RejectReason.NonFinite, validator.Validate(Update(q, round: 7), Current, 7).Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(10_000_001)]
    public void Validate_SampleCountOutOfRange_IsRejected(long samples)
    {
        Assert.Equal(RejectReason.SampleCountOutOfRange, validator.Validate(Update(Small(new Random(39)), round: 7, samples: samples), Current, 7).Reason);
    }

    public static TheoryData<string> BadFields() => new() { "empty id", "blank id", "long id", "nan loss", "inf loss", "negative time", "nan energy" };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Validate_BadScalarField_IsRejected(string what)
    {
        DeviceUpdate good = Update(Small(new Random(40)), round: 7);
        DeviceUpdate bad = what switch
        {
            "empty id" => good with { DeviceId = string.Empty },
            "blank id" => good with { DeviceId = "  " },
            "long id" => good with { DeviceId = new string('d', 129) },
            "nan loss" => good with { Loss = double.NaN },
            "inf loss" => good with { Loss = double.PositiveInfinity },
            "negative time" => good with { TrainingSeconds = -1 },
            _ => good with { EnergyMah = double.NaN },
        };
        ValidationResult result = validator.Validate(bad, Current, 7);
        Assert.Equal(RejectReason.BadField, result.Reason);
        Assert.False(result.IsAccepted);
        Assert.NotEmpty(result.Detail);
    }
}
