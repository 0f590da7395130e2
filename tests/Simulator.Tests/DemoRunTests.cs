using EdgeFL.Tests.Shared;
using EdgeFL.Tests.Shared.Logging;

namespace EdgeFL.Simulator.Tests;

/// <summary>
/// The whole hierarchy, small: devices training with TorchSharp on real Fashion-MNIST, gateways and a
/// cloud over real MQTT on loopback. The global model must end well above chance (0.1).
/// </summary>
public sealed class DemoRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgefl-demo-").FullName;
    private readonly ErrorLog _errors = new();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _errors.Dispose();
    }

    private DemoOptions Small(string? externalBroker = null) => new()
    {
        Devices = 6,
        Gateways = 2,
        Rounds = 6,
        SyncEvery = 2,
        TrainSamples = 6000,
        TestSamples = 2000,
        Seed = 7,
        RoundDeadline = TimeSpan.FromSeconds(60),
        CsvPath = Path.Combine(_dir, "history.csv"),
        ReportDirectory = Path.Combine(_dir, "report"),
        ExternalBroker = externalBroker,
    };

    [Fact]
    public async Task Demo_OnEmbeddedBrokers_LearnsWellAboveChance()
    {
        var output = new StringWriter();
        var runner = new DemoRunner(Small(), output) { ErrorSink = _errors.For("demo") };

        double accuracy = await runner.RunAsync();

        Assert.True(accuracy > 0.5, $"final accuracy {accuracy:F4}\n{output}");
        Assert.Equal([2L, 4L, 6L], runner.AccuracyByRound.Keys);
        Assert.Equal(6, runner.Rows.Count);

        // Signed end to end (cloud -> gateways -> devices, each verifier requiring signatures): nothing refused.
        Assert.Empty(runner.ModelRejections);
        Assert.Contains("signed models (ECDSA P-256, cloud -> gateways -> devices), rejected: none", output.ToString(), StringComparison.Ordinal);
        Assert.All(runner.Rows, r => Assert.True(r.Participants > 0, output.ToString()));
        var csv = await File.ReadAllLinesAsync(Path.Combine(_dir, "history.csv"));
        Assert.Equal(7, csv.Length);
        Assert.StartsWith("round,participants", csv[0], StringComparison.Ordinal);
        Assert.EndsWith(runner.AccuracyByRound[6].ToString("F4", System.Globalization.CultureInfo.InvariantCulture), csv[6], StringComparison.Ordinal);

        // The report: a page showing five PNG plots, written where the run said.
        string report = Path.Combine(_dir, "report");
        Assert.Equal(Path.Combine(report, "index.html"), runner.ReportPage);
        Assert.Contains($"report written to {runner.ReportPage}", output.ToString(), StringComparison.Ordinal);
        string page = await File.ReadAllTextAsync(runner.ReportPage!);
        foreach (string png in new[] { "accuracy.png", "participation.png", "energy.png", "battery.png", "rejections.png" })
        {
            Assert.Contains($"<img src=\"{png}\"", page, StringComparison.Ordinal);
            byte[] bytes = await File.ReadAllBytesAsync(Path.Combine(report, png));
            Assert.True(bytes.Length > 5000 && bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{png}: {bytes.Length} bytes");
        }

        // Not the default configuration: no ceiling unless one is asked for (--ceiling auto).
        Assert.DoesNotContain("centralized ceiling", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_OnAnExternalMosquittoBroker_LearnsWellAboveChance()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        var output = new StringWriter();
        var runner = new DemoRunner(Small($"127.0.0.1:{mosquitto.Port}"), output) { ErrorSink = _errors.For("demo") };

        double accuracy = await runner.RunAsync();

        Assert.True(accuracy > 0.5, $"final accuracy {accuracy:F4}\n{output}");
        Assert.Equal([2L, 4L, 6L], runner.AccuracyByRound.Keys);
    }

    [Fact]
    public async Task Demo_WithRegions_RunsDeviceGatewayRegionGlobal_AndLearnsWellAboveChance()
    {
        var output = new StringWriter();
        var options = Small() with { Gateways = 3, Regions = 2, Trainer = EdgeFL.Training.Backends.TrainingBackendKind.Managed };
        var runner = new DemoRunner(options, output) { ErrorSink = _errors.For("demo") };

        double accuracy = await runner.RunAsync();

        Assert.True(accuracy > 0.5, $"final accuracy {accuracy:F4}\n{output}");
        Assert.Equal([2L, 4L, 6L], runner.AccuracyByRound.Keys);
        string text = output.ToString();
        Assert.Contains("3 gateways in 2 regions", text, StringComparison.Ordinal);
        Assert.Contains("cloud sync after round 6: 2 regions", text, StringComparison.Ordinal);

        // Every model checked at every tier (global -> regions -> gateways -> devices): nothing refused.
        Assert.Empty(runner.ModelRejections);
    }

    [Fact]
    public void Regions_AreParsed_AndBadOnesNamed()
    {
        Assert.Equal(0, DemoArguments.Parse([]).Regions);
        Assert.Equal(2, DemoArguments.Parse(["--gateways", "4", "--regions", "2"]).Regions);
        Assert.Contains("--regions", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--gateways", "2", "--regions", "3"])).Message, StringComparison.Ordinal);
        Assert.Contains("--regions", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--regions", "-1"])).Message, StringComparison.Ordinal);
        Assert.Contains("--external-broker", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--regions", "2", "--external-broker", "127.0.0.1:1883"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_AreParsed_AndBadOnesNamed()
    {
        var o = DemoArguments.Parse(["--devices", "8", "--gateways", "2", "--rounds", "3", "--sync-every", "1", "--model", "mobilenet", "--quantize", "--seed", "5"]);
        Assert.Equal((8, 2, 3, 1, EdgeFL.Training.Models.ModelKind.MobileNet, true, 5), (o.Devices, o.Gateways, o.Rounds, o.EffectiveSyncEvery, o.Model, o.Quantize, o.Seed));
        Assert.Contains("--devices", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--devices", "zero"])).Message, StringComparison.Ordinal);
        Assert.Contains("--model", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--model", "resnet"])).Message, StringComparison.Ordinal);
        Assert.Contains("--gateways", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--devices", "2", "--gateways", "3"])).Message, StringComparison.Ordinal);
        Assert.Contains("unknown flag", Assert.Throws<ArgumentException>(() => DemoArguments.Parse(["--bogus"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_WithoutTheDataSet_SaysHowToInstallIt()
    {
        var runner = new DemoRunner(Small() with { DataDirectory = Path.Combine(_dir, "nowhere") }, TextWriter.Null);
        var ex = await Assert.ThrowsAsync<EdgeFL.Training.Data.DatasetNotFoundException>(() => runner.RunAsync());
        Assert.Contains("apt-get install dataset-fashion-mnist", ex.Message, StringComparison.Ordinal);
    }
}
