using EdgeFL.Core.Aggregation;

namespace EdgeFL.Core.Tests.Aggregation;

public class DequantizeAddTests
{
    [Theory]
    [InlineData(0, 0, 0.5f)]
    [InlineData(1, 255, 0.5f)]
    [InlineData(7, 128, 0.01f)]
    [InlineData(15, 0, 1e-30f)]      // tiny scale: products far below 1
    [InlineData(16, 255, 3e30f)]     // huge scale: products near float's range
    [InlineData(17, 1, -0.25f)]      // a negative factor (a scaled subtraction)
    [InlineData(33, 77, 0.1f)]
    [InlineData(1023, 200, 0.003f)]
    public void Run_IsBitwiseTheScalarFusedSum_AndCloseToTheExactOne(int length, int zeroPoint, float factor)
    {
        var rng = new Random(length + zeroPoint);
        byte[] q = new byte[length];
        rng.NextBytes(q);
        if (length > 2)
        {
            (q[0], q[1]) = (0, 255); // both ends of the byte range
        }

        float[] start = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float[] acc = (float[])start.Clone();

        DequantizeAdd.Run(q, factor, zeroPoint, acc);

        for (int i = 0; i < length; i++)
        {
            Assert.Equal(MathF.FusedMultiplyAdd(q[i] - zeroPoint, factor, start[i]), acc[i]);
            double exact = start[i] + ((double)factor * (q[i] - zeroPoint));
            Assert.True(Math.Abs(exact - acc[i]) <= 1e-6 * Math.Max(1, Math.Abs(exact)), $"[{i}]: {acc[i]} vs {exact}");
        }
    }

    [Fact]
    public void Run_AllBytesAtTheZeroPoint_LeavesTheSums()
    {
        byte[] q = Enumerable.Repeat((byte)200, 100).ToArray();
        float[] acc = Enumerable.Range(0, 100).Select(i => i * 0.5f).ToArray();
        float[] before = (float[])acc.Clone();

        DequantizeAdd.Run(q, 123f, 200, acc);

        Assert.Equal(before, acc);
    }

    [Fact]
    public void Run_AddsIntoAPrefixOfLongerSums_AndRefusesShorterOnes()
    {
        byte[] q = [10, 20, 30];
        float[] acc = new float[5];
        DequantizeAdd.Run(q, 1f, 10, acc);
        Assert.Equal([0f, 10f, 20f, 0f, 0f], acc);
        Assert.Throws<ArgumentException>(() => DequantizeAdd.Run(q, 1f, 0, new float[2]));
    }
}
