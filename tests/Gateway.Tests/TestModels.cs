using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;

namespace EdgeFL.Gateway.Tests;

internal static class TestModels
{
    public static ModelState Filled(float value, int size = 6) => new(
    [
        NamedTensor.FromFloat32("w", [2, size / 2], Enumerable.Repeat(value, size).ToArray()),
        NamedTensor.FromFloat32("b", [2], [value, -value]),
        NamedTensor.FromInt64("steps", [], [(long)value]),
    ]);

    public static ModelMessage Message(ModelState model, long round = 0) =>
        new("test-model", round, "test", 0, DateTimeOffset.UnixEpoch, model);

    public static DeviceUpdate Update(string device, long round, long samples, ModelState model) =>
        new(device, round, samples, 0.5, 1.0, 0.1, DateTimeOffset.UnixEpoch, model);

    /// <summary>An update's payload as it arrives on the device's topic.</summary>
    public static System.Buffers.ReadOnlySequence<byte> Payload(string device, long round, long samples, ModelState model) =>
        new(Core.Wire.WireCodec.Encode(Update(device, round, samples, model)));
}
