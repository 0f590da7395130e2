using System.Buffers;
using System.Runtime.InteropServices;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Tests;

/// <summary>Models and messages for tests, deterministic from a seed.</summary>
internal static class TestModels
{
    public static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123);

    /// <summary>State sizes of the MLP 784-32-16-10 (25,818 floats).</summary>
    public static ModelState Mlp(Random rng) => new(
    [
        Normal(rng, "fc1.weight", [32, 784]),
        Normal(rng, "fc1.bias", [32]),
        Normal(rng, "fc2.weight", [16, 32]),
        Normal(rng, "fc2.bias", [16]),
        Normal(rng, "fc3.weight", [10, 16]),
        Normal(rng, "fc3.bias", [10]),
    ]);

    /// <summary>A small model with the awkward cases: an int64 scalar, a float scalar and a zero-sized dimension.</summary>
    public static ModelState Small(Random rng) => new(
    [
        Normal(rng, "conv.weight", [2, 3, 2]),
        Normal(rng, "conv.bias", [2]),
        NamedTensor.FromInt64("bn.num_batches_tracked", [], [rng.NextInt64(0, 1000)]),
        Normal(rng, "temperature", []),
        Normal(rng, "empty", [0, 5]),
    ]);

    public static NamedTensor Normal(Random rng, string name, int[] shape, double std = 1.0, double mean = 0.0)
    {
        var values = new float[NamedTensor.ElementCountOf(shape)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(mean + std * NextNormal(rng));
        }

        return NamedTensor.FromFloat32(name, shape, values);
    }

    public static double NextNormal(Random rng) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2.0 * Math.PI * rng.NextDouble());

    public static ModelMessage ModelMessage(ModelState model) => new("mlp-784-32-16-10", 7, "gw-1", 1234, Time, model);

    public static DeviceUpdate Update(ModelState model, string deviceId = "dev-01", long round = 7, long samples = 600) =>
        new(deviceId, round, samples, 0.4321, 12.5, 3.25, Time, model);

    public static GatewayUpload Upload(ModelState model) =>
        new("gw-1", GatewayUpload.MakeUploadId("gw-1", 42), 42, "mlp-784-32-16-10", 20, 12_000, Time, model);

    public static DeviceStatus Status() => new("dev-01", true, 0.73, false, Time);

    public static RoundDecline Decline() => new("dev-01", 7, "battery");

    public static ReadOnlySequence<byte> Seq(byte[] bytes) => new(bytes);

    public static void AssertSameState(ModelState expected, ModelState actual)
    {
        Assert.Equal(expected.Tensors.Count, actual.Tensors.Count);
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            NamedTensor e = expected.Tensors[i];
            NamedTensor a = actual.Tensors[i];
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.Shape, a.Shape);
            Assert.Equal(e.DType, a.DType);
            Assert.Equal(e.Quantization, a.Quantization);
            Assert.True(e.Data.Span.SequenceEqual(a.Data.Span), $"data of '{e.Name}' differs");
        }
    }

    /// <summary>Splits bytes into a chain of segments, to exercise multi-segment payloads.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentLength)
    {
        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentLength, bytes.Length)), 0);
        Segment last = first;
        for (int start = segmentLength; start < bytes.Length; start += segmentLength)
        {
            last = last.Append(bytes.AsMemory(start, Math.Min(segmentLength, bytes.Length - start)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static float[] Floats(NamedTensor t) => MemoryMarshal.Cast<byte, float>(t.Data.Span).ToArray();

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            // Copy, so the test proves the decoder does not depend on the original array.
            Memory = memory.ToArray();
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
