using EdgeFL.Core.Messages;
using EdgeFL.Core.Models;

namespace EdgeFL.Cli.Tests;

/// <summary>Small real messages to write into files and databases.</summary>
internal static class TestModels
{
    /// <summary>f32 values 1..6 (L2 norm sqrt(91)) and an int64 counter, which the norm leaves out.</summary>
    public static ModelState State() => new([
        NamedTensor.FromFloat32("fc.weight", [2, 3], [1f, 2f, 3f, 4f, 5f, 6f]),
        NamedTensor.FromInt64("bn.num_batches_tracked", [], [7L]),
    ]);

    public static double Norm => Math.Sqrt(91);

    public static ModelMessage Model(long round = 12) =>
        new("mlp", round, "gw-1", 6000, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), State());

    public static DeviceUpdate Update(string device = "dev-1", long round = 12) =>
        new(device, round, 600, 0.25, 1.5, 0.01, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_001_000), State());

    public static GatewayUpload Upload(long sequence = 3) =>
        new("gw-1", GatewayUpload.MakeUploadId("gw-1", sequence), sequence, "mlp", 10, 6000, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_002_000), State());
}
