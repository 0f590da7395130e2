using System.Globalization;
using System.Threading.Channels;
using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Observability;
using EdgeFL.Gateway.Observability;
using EdgeFL.Core.Messages;
using EdgeFL.Core.Storage;
using EdgeFL.DeviceClient;
using EdgeFL.DeviceClient.Power;
using EdgeFL.DeviceClient.Training;
using EdgeFL.Gateway;
using EdgeFL.Training;
using EdgeFL.Training.Data;
using EdgeFL.Training.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace EdgeFL.Simulator;

/// <summary>
/// Runs the whole hierarchy in one process: a cloud broker and aggregator, gateways with embedded
/// brokers, and devices, all talking MQTT over loopback TCP, learning Fashion-MNIST.
/// </summary>
internal sealed class DemoRunner(DemoOptions options, TextWriter output)
{
    private const string ModelIdPrefix = "fmnist-";
    private DeviceProfile[]? _profiles;
    private readonly List<string> _summary = [];
    private string _header = "";

    /// <summary>Global model accuracy after each cloud sync, by round.</summary>
    public SortedDictionary<long, double> AccuracyByRound { get; } = [];

    /// <summary>Rows of the run, one per round.</summary>
    public List<RoundRow> Rows { get; } = [];

    /// <summary>Mean fraction of the fleet whose update was accepted per round (after the run).</summary>
    public double Participation { get; private set; }

    /// <summary>Every device's battery level at the end, ascending (after the run).</summary>
    public IReadOnlyList<double> FinalBatteryLevels { get; private set; } = [];

    /// <summary>
    /// The demo's training-time budget for energy-aware selection, in the simulated seconds of the
    /// tutorial's cost model: only devices with the biggest shards on the slowest cores sit out rounds.
    /// </summary>
    public static readonly TimeSpan DemoTrainingBudget = TimeSpan.FromSeconds(450);

    /// <summary>Share of the eligible devices picked per round in the demo's energy-aware mode.</summary>
    public const double DemoParticipantFraction = 0.9;

    /// <summary>The devices that send poisoned updates (<see cref="DemoOptions.HostileFraction"/>), by id.</summary>
    public IReadOnlyList<string> HostileDeviceIds { get; private set; } = [];

    /// <summary>Rejected updates at all gateways, by reason.</summary>
    public Dictionary<string, long> Rejections { get; } = [];

    /// <summary>Updates that arrived between rounds and were folded into the next round, at all gateways (counted apart from the rejections).</summary>
    public long LateFolded { get; private set; }

    /// <summary>Models not taken (global models at the gateways, gateway models at the devices), by reason; signed end to end, none expected.</summary>
    public Dictionary<string, long> ModelRejections { get; } = [];

    /// <summary>Called once the services and devices have started (the tests drive the fleet from here).</summary>
    public Action<DemoFleet>? Started { get; init; }

    /// <summary>The cloud's dashboard, when <see cref="DemoOptions.DashboardPort"/> is set.</summary>
    public string? DashboardUrl => options.DashboardPort > 0 ? $"http://127.0.0.1:{options.DashboardPort}/dashboard/" : null;

    /// <summary>Where the report's page was written (after the run), or null.</summary>
    public string? ReportPage { get; private set; }

    /// <summary>A further logger provider (a test's error log): it gets the Error and Critical lines of every service, whatever <see cref="DemoOptions.Verbose"/> says.</summary>
    public ILoggerProvider? ErrorSink { get; init; }

    /// <summary>Runs the demo and returns the final global model's test accuracy.</summary>
    public async Task<double> RunAsync(CancellationToken cancellationToken = default)
    {
        var o = options;
        var data = FashionMnist.Load(o.DataDirectory, cancellationToken);
        var train = o.TrainSamples > 0 ? data.Train.Take(Math.Min(o.TrainSamples, data.Train.Count)) : data.Train;
        var test = o.TestSamples > 0 ? data.Test.Take(Math.Min(o.TestSamples, data.Test.Count)) : data.Test;
        var shards = DirichletPartitioner.Partition(train.Labels, o.Devices, o.Alpha, o.Seed);

        string modelId = ModelIdPrefix + (o.Model == ModelKind.Mlp ? "mlp" : "mobilenet");
        using var models = new DemoModels(o.Trainer, o.Model, o.Seed);
        _models = models;
        var initial = new ModelMessage(modelId, 0, "cloud", 0, DateTimeOffset.UtcNow, models.Initial);
        _header = $"EdgeFL demo: {o.Devices} devices, {o.Gateways} gateways{(o.Regions > 0 ? $" in {o.Regions} regions" : "")}, {o.Rounds} rounds, cloud sync every {o.EffectiveSyncEvery}, " +
            $"{models.Describe()}, " +
            $"{(o.Quantize ? "8-bit" : "float32")} updates, {train.Count} training / {test.Count} test samples, Dirichlet({o.Alpha}), seed {o.Seed}, " +
            $"selection {o.Selection.ToString().ToLowerInvariant()}, aggregation {DescribeAggregation()}, " +
            string.Create(CultureInfo.InvariantCulture, $"server optimizer {o.EffectiveServerOptimizer.ToString().ToLowerInvariant()} (lr {o.EffectiveServerLearningRate}, beta1 {o.EffectiveServerBeta1}){(o.ProximalMu > 0 ? $", FedProx mu {o.ProximalMu}" : "")}, local lr {o.EffectiveLearningRate}{(o.DecayRounds > 0 ? $" cosine to x{o.FinalLearningRateFactor} over {o.DecayRounds} rounds" : "")}");
        Say(_header);
        var hostile = ChooseHostile();

        // Disposed before the evaluation model: the fleet waits for the evaluation loop, which uses it.
        await using var fleet = new DemoFleet(o, CreateLoggers(), cancellationToken);
        WatchProgress(fleet);
        fleet.Evaluations = Task.Run(() => EvaluateGlobalsAsync(fleet.Globals.Reader, models, test, fleet.Stop.Token, (round, accuracy) => fleet.Accuracy?.Record(round, accuracy)), CancellationToken.None);
        var gatewayPorts = await StartServicesAsync(fleet, initial).ConfigureAwait(false);
        await StartDevicesAsync(fleet, models, gatewayPorts, train, shards, hostile).ConfigureAwait(false);
        if (DashboardUrl is { } url)
        {
            Say($"dashboard: {url}");
        }

        Started?.Invoke(fleet);
        return await FinishAsync(fleet, cancellationToken).ConfigureAwait(false);
    }

    private HashSet<int> ChooseHostile()
    {
        var o = options;
        var hostile = HostileDevices.Choose(o.Devices, o.Gateways, o.HostileFraction, o.Seed + 11);
        HostileDeviceIds = hostile.Select(DeviceId).ToArray();
        if (hostile.Count > 0)
        {
            Say(string.Create(CultureInfo.InvariantCulture,
                $"hostile devices (simulated attack {(o.Attack == AttackKind.SignFlip ? "sign-flip" : "scale")}, k = {o.AttackScale}): {string.Join(", ", HostileDeviceIds)}"));
        }

        return [.. hostile];
    }

    private ILoggerFactory CreateLoggers()
    {
        var console = options.Verbose ? LogLevel.Information : LogLevel.Critical;
        return LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(console);
            if (ErrorSink is not null)
            {
                b.AddProvider(ErrorSink).SetMinimumLevel(console < LogLevel.Error ? console : LogLevel.Error).AddFilter<ConsoleLoggerProvider>(level => level >= console);
            }
        });
    }

    /// <summary>Prints a line per round, feeds the evaluation loop and the churn.</summary>
    private void WatchProgress(DemoFleet fleet)
    {
        fleet.Progress.GlobalModel += (g, n) => fleet.Globals.Writer.TryWrite((g, n));
        fleet.Progress.GatewayRoundDone += r => fleet.Churn.OnRoundClosed(r.GatewayId);
        fleet.Progress.RoundDone += row =>
        {
            lock (Rows)
            {
                Rows.Add(row);
            }

            Say(string.Create(CultureInfo.InvariantCulture,
                $"round {row.Round,3}: devices {row.Participants,2}/{options.Devices} ({(double)row.Participants / options.Devices:P0}; declined {row.Declined}, offline {row.Offline}, rejected {row.Rejected}), samples {row.Samples,6}, mean loss {row.MeanLoss:F4}, energy {row.EnergyMah:F1} mAh, t={row.ElapsedSeconds:F1}s"));
        };
    }

    /// <summary>Starts the cloud, then each gateway; returns each gateway's broker endpoint for its devices.</summary>
    private async Task<List<(string Host, int Port)>> StartServicesAsync(DemoFleet fleet, ModelMessage initial)
    {
        var o = options;
        var security = fleet.Security;

        // With an external broker, the cloud tier meets there too (its topics sit under {prefix}/cloud/).
        bool embedded = o.ExternalBroker is null;
        (string Host, int Port, int TlsPort) PickPorts()
        {
            var (host, port) = o.ExternalBroker is { } external ? DemoArguments.ParseHostPort(external) : ("127.0.0.1", FreePorts.Next());
            return (host, port, security is null ? port : FreePorts.Next());
        }

        var (cloud, cloudPorts) = await FreePorts.StartAsync(
            PickPorts,
            p => BuildCloud(p.Host, p.Port, embedded, initial, fleet.Keys, fleet.Progress, fleet.Loggers, security, p.TlsPort),
            retry: embedded,
            fleet.Stop.Token).ConfigureAwait(false);
        fleet.Hosts.Add(cloud);
        var (cloudHost, cloudTlsPort) = (cloudPorts.Host, cloudPorts.TlsPort);
        fleet.Accuracy = cloud.Services.GetRequiredService<GlobalAccuracy>();

        // With --regions: a region aggregator per group of gateways, each uploading to the global one (docs/SCALING.md).
        var regions = new List<(string Id, string Host, int Port)>();
        for (int r = 0; r < o.Regions; r++)
        {
            string regionId = $"region-{r + 1}";
            int expected = Enumerable.Range(0, o.Gateways).Count(g => RegionOf(g) == r);
            var (region, ports) = await FreePorts.StartAsync(
                PickPorts,
                p => BuildRegion(regionId, p.Host, p.Port, expected, cloudHost, cloudTlsPort, fleet.Keys, fleet.Loggers, security, p.TlsPort),
                retry: embedded,
                fleet.Stop.Token).ConfigureAwait(false);
            fleet.Hosts.Add(region);
            regions.Add((regionId, ports.Host, ports.TlsPort));
        }

        // Each gateway's first round waits for its devices that start online, so that round 1 is
        // every such device's round whatever the order in which they connect.
        var profiles = Profiles;
        var gatewayPorts = new List<(string Host, int Port)>();
        for (int g = 0; g < o.Gateways; g++)
        {
            string gatewayId = $"gw-{g + 1}";
            int startOnline = Enumerable.Range(0, o.Devices).Count(d => GatewayOf(d) == g && profiles[d].Connected);
            var (host, ports) = await FreePorts.StartAsync(
                PickPorts,
                p => BuildGateway(gatewayId, p.Host, p.Port, embedded, o.Regions > 0 ? regions[RegionOf(g)] : ("cloud", cloudHost, cloudTlsPort), fleet.Keys, fleet.Progress, fleet.Loggers, security, p.TlsPort, startOnline),
                retry: embedded,
                fleet.Stop.Token).ConfigureAwait(false);
            fleet.Hosts.Add(host);
            gatewayPorts.Add((ports.Host, ports.TlsPort));
            fleet.ByGateway[gatewayId] = [];
        }

        return gatewayPorts;
    }

    /// <summary>Starts every device on its shard, behind its gateway; the hostile ones with a poisoning trainer.</summary>
    private async Task StartDevicesAsync(DemoFleet fleet, DemoModels models, List<(string Host, int Port)> gatewayPorts, LabeledDataset train, IReadOnlyList<int[]> shards, HashSet<int> hostile)
    {
        var o = options;
        var profiles = Profiles;
        for (int d = 0; d < o.Devices; d++)
        {
            int g = GatewayOf(d);
            string gatewayId = $"gw-{g + 1}";
            var profile = profiles[d];
            var trainer = new DeviceTrainer(
                models.CreateBackend(),
                train.Subset(shards[d]),
                new TrainerOptions { BatchSize = o.BatchSize, LearningRate = o.EffectiveLearningRate, DecayRounds = o.DecayRounds, FinalLearningRateFactor = o.FinalLearningRateFactor, Epochs = o.Epochs, ProximalMu = o.ProximalMu, Seed = (o.Seed * 1000) + d },
                fleet.Slots);
            fleet.Trainers.Add(trainer);
            string deviceId = DeviceId(d);
            IMemoryAwareTrainer deviceTrainer = hostile.Contains(d) ? new HostileTrainer(trainer, o.Attack, o.AttackScale) : trainer;
            var agent = new DeviceAgent(
                new DeviceOptions
                {
                    DeviceId = deviceId,
                    GatewayId = gatewayId,
                    BrokerHost = gatewayPorts[g].Host,
                    BrokerPort = gatewayPorts[g].Port,
                    Password = fleet.Security?.ProvisionDevice(gatewayId, deviceId),
                    Tls = fleet.Security?.ClientTls() ?? new(),
                    QuantizeUpdates = o.Quantize,
                    SimulateCost = true,
                    Signing = new DeviceSigningOptions { GatewayPublicKeyPath = fleet.Keys.PublicKey(gatewayId) },
                },
                profile,
                deviceTrainer,
                new SimulatedBattery(profile.BatteryCapacityMah, profile.BatteryLevel),
                fleet.Loggers.CreateLogger($"device.{deviceId}"));
            fleet.Agents.Add(agent);
            fleet.ByGateway[gatewayId].Add(agent);
            if (!profile.Connected)
            {
                fleet.Churn.StartsOffline(agent);
            }

            await agent.StartAsync(fleet.Stop.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for every gateway to finish and the last global model to be evaluated; collects the counts, prints the summary, writes the CSV.</summary>
    private async Task<double> FinishAsync(DemoFleet fleet, CancellationToken cancellationToken)
    {
        var o = options;
        await fleet.Progress.AllFinished.WaitAsync(fleet.Stop.Token).ConfigureAwait(false);
        long lastSync = o.Rounds / o.EffectiveSyncEvery * o.EffectiveSyncEvery;

        // A gateway may see the last global model before the cloud has told its observers.
        var waitUntil = DateTime.UtcNow + o.RoundDeadline;
        while (lastSync > 0 && fleet.Progress.LastGlobalRound < lastSync && DateTime.UtcNow < waitUntil)
        {
            await Task.Delay(20, fleet.Stop.Token).ConfigureAwait(false);
        }

        fleet.Globals.Writer.TryComplete();
        await fleet.Evaluations.ConfigureAwait(false);
        double final = AccuracyByRound.Count > 0 ? AccuracyByRound[AccuracyByRound.Keys.Max()] : double.NaN;
        if (lastSync > 0 && !AccuracyByRound.ContainsKey(lastSync))
        {
            Say($"warning: the global model of round {lastSync} was not published; reporting the latest one");
        }

        var gatewayMetrics = fleet.Hosts.Skip(1 + o.Regions).Select(h => h.Services.GetRequiredService<GatewayMetrics>()).ToList();
        LateFolded = gatewayMetrics.Sum(m => m.LateFolded);
        foreach (var (reason, count) in gatewayMetrics.SelectMany(m => m.RejectedByReason))
        {
            Rejections[reason] = Rejections.GetValueOrDefault(reason) + count;
        }

        foreach (var (reason, count) in gatewayMetrics.SelectMany(m => m.GlobalModelsRejectedByReason).Concat(fleet.Agents.SelectMany(a => a.ModelsRejectedByReason)))
        {
            ModelRejections[reason] = ModelRejections.GetValueOrDefault(reason) + count;
        }

        Summarize(fleet.Agents);
        await WriteCsvAsync(cancellationToken).ConfigureAwait(false);
        await WriteReportAsync(final, cancellationToken).ConfigureAwait(false);
        return final;
    }

    /// <summary>The HTML report and its plots, in <see cref="DemoOptions.ReportDirectory"/> (none when it is empty).</summary>
    private async Task WriteReportAsync(double final, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.ReportDirectory))
        {
            return;
        }

        RoundRow[] rows;
        lock (Rows)
        {
            rows = [.. Rows];
        }

        Dictionary<long, double> accuracy;
        lock (AccuracyByRound)
        {
            accuracy = new Dictionary<long, double>(AccuracyByRound);
        }

        var data = new DemoReportData(_header, options.Devices, rows, accuracy, Ceiling(cancellationToken), FinalBatteryLevels, Rejections, _summary, final, options.CsvPath);
        ReportPage = await DemoReport.WriteAsync(options.ReportDirectory, data, cancellationToken).ConfigureAwait(false);
        Say($"report written to {ReportPage} (plots: {Path.Combine(options.ReportDirectory, "*.png")})");
    }

    private DemoModels? _models;

    /// <summary>The centralized ceiling for the accuracy plot, per <c>--ceiling</c>.</summary>
    private CentralizedCeiling? Ceiling(CancellationToken cancellationToken)
    {
        var o = options;
        switch (o.Ceiling)
        {
            case "none":
                return null;
            case "auto":
                // The bench's figure 6 (docs/PERFORMANCE.md) was measured for exactly the default configuration.
                var defaults = new DemoOptions();
                bool isDefault = o.Model == defaults.Model && o.Rounds == defaults.Rounds && o.Epochs == defaults.Epochs && o.BatchSize == defaults.BatchSize
                    && o.EffectiveLearningRate == MeasuredCeilingLearningRate && o.TrainSamples == 0 && o.TestSamples == 0 && o.Seed == defaults.Seed;
                return isDefault ? new CentralizedCeiling(MeasuredCeiling, "bench figure 6: the same MLP on all 60,000 images for 50 epochs") : null;
            case "train":
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var data = FashionMnist.Load(o.DataDirectory, cancellationToken);
                var train = o.TrainSamples > 0 ? data.Train.Take(Math.Min(o.TrainSamples, data.Train.Count)) : data.Train;
                var test = o.TestSamples > 0 ? data.Test.Take(Math.Min(o.TestSamples, data.Test.Count)) : data.Test;
                // The same model, initial weights and trainer (--trainer) as the devices', on all the data at once.
                using (var backend = _models!.CreateBackend())
                {
                    var run = backend.Train(_models.Initial, train, new TrainerOptions { BatchSize = o.BatchSize, LearningRate = o.EffectiveLearningRate, Epochs = o.Rounds * o.Epochs, Seed = o.Seed }, cancellationToken);
                    double accuracy = _models.Accuracy(run.Model, test);
                    Say(string.Create(CultureInfo.InvariantCulture, $"centralized ceiling: {accuracy:F4} ({o.Rounds * o.Epochs} epochs on {train.Count} images, trainer {backend.Name}, {sw.Elapsed.TotalSeconds:F0} s)"));
                    return new CentralizedCeiling(accuracy, string.Create(CultureInfo.InvariantCulture, $"trained here: {o.Rounds * o.Epochs} epochs on {train.Count} images, trainer {backend.Name}"));
                }

            default:
                return new CentralizedCeiling(double.Parse(o.Ceiling, CultureInfo.InvariantCulture), "given with --ceiling");
        }
    }

    /// <summary>The centralized accuracy of the MLP at learning rate 0.01 (batch 16, 50 epochs), measured by the bench (docs/PERFORMANCE.md, figure 6).</summary>
    public const double MeasuredCeiling = 0.8696;

    /// <summary>The learning rate <see cref="MeasuredCeiling"/> was trained with: <c>--ceiling auto</c> draws it only for runs at this rate.</summary>
    public const double MeasuredCeilingLearningRate = 0.01;

    private async Task EvaluateGlobalsAsync(ChannelReader<(ModelMessage Global, int Gateways)> reader, DemoModels models, LabeledDataset test, CancellationToken cancellationToken, Action<long, double>? accuracySink = null)
    {
        try
        {
            await foreach (var (global, gateways) in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                double accuracy = models.Accuracy(global.Model, test);
                lock (AccuracyByRound)
                {
                    AccuracyByRound[global.Round] = accuracy;
                }

                accuracySink?.Invoke(global.Round, accuracy);

                lock (Rows)
                {
                    if (Rows.FirstOrDefault(r => r.Round == global.Round) is { } row)
                    {
                        row.GlobalAccuracy = accuracy;
                    }
                }

                Say(string.Create(CultureInfo.InvariantCulture,
                    $"  cloud sync after round {global.Round}: {gateways} {(options.Regions > 0 ? "regions" : "gateways")}, {global.TotalSamples} samples, global model accuracy {accuracy:F4} on {test.Count} test images"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Summarize(IReadOnlyList<DeviceAgent> agents)
    {
        int rounds = Rows.Count;
        double participation = rounds == 0 ? 0 : Rows.Average(r => (double)r.Participants) / options.Devices;
        double energyPerRound = rounds == 0 ? 0 : Rows.Average(r => r.EnergyMah);
        Participation = participation;
        Summary(string.Create(CultureInfo.InvariantCulture,
            $"participation over the run: {participation:P1} of devices per round (target above 70%), lowest round {(rounds == 0 ? 0 : Rows.Min(r => r.Participants)) / (double)options.Devices:P0}; " +
            $"{agents.Sum(a => a.RoundsTrained)} updates trained, {agents.Sum(a => a.RoundsDeclined)} declined, {agents.Sum(a => a.RoundsNotSelected)} not selected ({options.Selection.ToString().ToLowerInvariant()} selection)"));
        Summary(string.Create(CultureInfo.InvariantCulture,
            $"energy: {agents.Sum(a => a.EnergyMah):F0} mAh in all, {energyPerRound:F1} mAh per round over the fleet"));
        var levels = agents.Select(a => a.Battery.Level).Order().ToArray();
        FinalBatteryLevels = levels;
        if (levels.Length > 0)
        {
            Summary(string.Create(CultureInfo.InvariantCulture,
                $"battery at the end: min {levels[0]:P0}, median {levels[levels.Length / 2]:P0}, mean {levels.Average():P0}, max {levels[^1]:P0}; {levels.Count(l => l <= 0.2)} devices at or below 20%"));
            Summary("battery distribution: " + string.Join(", ", Enumerable.Range(0, 5).Select(b => string.Create(CultureInfo.InvariantCulture,
                $"{b * 20}-{(b + 1) * 20}%: {levels.Count(l => Math.Min(4, (int)(l * 5)) == b)}"))));
        }

        Summary((Rejections.Count == 0 ? "rejected updates: none" : "rejected updates: " + string.Join(", ", Rejections.Select(kv => $"{kv.Key} {kv.Value}")))
            + $"; late updates (arrived between rounds) folded into the next round: {LateFolded}");
        Summary("signed models (ECDSA P-256, cloud -> gateways -> devices), rejected: " + (ModelRejections.Count == 0 ? "none" : string.Join(", ", ModelRejections.Select(kv => $"{kv.Key} {kv.Value}"))));
    }

    private async Task WriteCsvAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string> { "round,participants,declined,rejected,offline,samples,mean_loss,energy_mah,elapsed_s,global_accuracy" };
        lock (Rows)
        {
            lines.AddRange(Rows.OrderBy(r => r.Round).Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{r.Round},{r.Participants},{r.Declined},{r.Rejected},{r.Offline},{r.Samples},{r.MeanLoss:F6},{r.EnergyMah:F3},{r.ElapsedSeconds:F2},{(double.IsNaN(r.GlobalAccuracy) ? "" : r.GlobalAccuracy.ToString("F4", CultureInfo.InvariantCulture))}")));
        }

        string? dir = Path.GetDirectoryName(Path.GetFullPath(options.CsvPath));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        await File.WriteAllLinesAsync(options.CsvPath, lines, cancellationToken).ConfigureAwait(false);
        Say($"history written to {options.CsvPath}");
    }

    private IHost BuildCloud(string host, int port, bool embedded, ModelMessage initial, DemoKeys keys, DemoProgress progress, ILoggerFactory loggers, DemoSecurity? security, int tlsPort)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:EmbeddedBroker"] = embedded ? "true" : "false",
            ["Cloud:StateDirectory"] = ":memory:",
            ["Cloud:Host"] = host,
            ["Cloud:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:ExpectedGateways"] = (options.Regions > 0 ? options.Regions : options.Gateways).ToString(CultureInfo.InvariantCulture),
            ["Cloud:SyncDeadline"] = options.RoundDeadline.ToString("c", CultureInfo.InvariantCulture),
            ["Cloud:Signing:PrivateKeyPath"] = keys.PrivateKey("cloud"),
            ["Cloud:Aggregation:Strategy"] = options.CloudAggregation ?? options.Aggregation,
            ["Cloud:Aggregation:TrimFraction"] = options.TrimFraction.ToString(CultureInfo.InvariantCulture),
            ["Cloud:ServerOptimizer:Kind"] = options.EffectiveServerOptimizer.ToString(),
            ["Cloud:ServerOptimizer:LearningRate"] = options.EffectiveServerLearningRate.ToString(CultureInfo.InvariantCulture),
            ["Cloud:ServerOptimizer:Beta1"] = options.EffectiveServerBeta1.ToString(CultureInfo.InvariantCulture),
            ["Observability:Enabled"] = options.DashboardPort > 0 ? "true" : "false",
            ["Observability:Port"] = options.DashboardPort.ToString(CultureInfo.InvariantCulture),
            ["Observability:Dashboard"] = "true",
        };
        if (security is not null)
        {
            settings["Cloud:CredentialsPath"] = security.CloudCredentialsPath;
            security.AddListenerTls(settings, "Cloud:Tls", tlsPort);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IModelSeed>(new StaticModelSeed(initial));
        builder.Services.AddSingleton<ICloudObserver>(progress);
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        if (options.DashboardPort > 0)
        {
            builder.Services.AddEdgeFlCloudObservability(builder.Configuration);
        }

        return builder.Build();
    }

    /// <summary>
    /// A region aggregator: a cloud aggregator for its gateways (plain averaging, in memory, its own signing key) with an
    /// uplink to the global one, whose key it trusts; it uploads under its id, provisioned on the global broker like a gateway.
    /// </summary>
    private IHost BuildRegion(string regionId, string host, int port, int expectedGateways, string cloudHost, int cloudPort, DemoKeys keys, ILoggerFactory loggers, DemoSecurity? security, int tlsPort)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:StateDirectory"] = ":memory:",
            ["Cloud:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:ClientId"] = regionId + "-aggregator",
            ["Cloud:ExpectedGateways"] = expectedGateways.ToString(CultureInfo.InvariantCulture),
            ["Cloud:SyncDeadline"] = options.RoundDeadline.ToString("c", CultureInfo.InvariantCulture),
            ["Cloud:Signing:PrivateKeyPath"] = keys.PrivateKey(regionId),
            ["Cloud:Signing:UplinkPublicKeyPath"] = keys.PublicKey("cloud"),
            ["Cloud:Aggregation:Strategy"] = options.CloudAggregation ?? options.Aggregation,
            ["Cloud:Aggregation:TrimFraction"] = options.TrimFraction.ToString(CultureInfo.InvariantCulture),
            ["Cloud:RegionId"] = regionId,
            ["Cloud:Uplink:Enabled"] = "true",
            ["Cloud:Uplink:Host"] = cloudHost,
            ["Cloud:Uplink:Port"] = cloudPort.ToString(CultureInfo.InvariantCulture),
            ["Observability:Enabled"] = "false",
        };
        if (security is not null)
        {
            // One credential file for every cloud-tier broker: the global one knows the regions, each region its gateways.
            settings["Cloud:CredentialsPath"] = security.CloudCredentialsPath;
            security.AddListenerTls(settings, "Cloud:Tls", tlsPort);
            settings["Cloud:Uplink:Password"] = security.ProvisionGateway(regionId);
            security.AddClientTls(settings, "Cloud:Uplink:Tls");
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(loggers);
        // No seed: a region starts from the global tier's model.
        builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
        return builder.Build();
    }

    private int GatewayOf(int device) => device * options.Gateways / options.Devices;

    private int RegionOf(int gateway) => gateway * options.Regions / options.Gateways;

    /// <summary>Each device's simulated hardware, and whether it starts online (seeded; made once per run).</summary>
    private DeviceProfile[] Profiles => _profiles ??= DeviceProfiles();

    private DeviceProfile[] DeviceProfiles()
    {
        var random = new Random(options.Seed + 1);
        var profiles = new DeviceProfile[options.Devices];
        for (int d = 0; d < profiles.Length; d++)
        {
            profiles[d] = new DeviceProfile
            {
                MemoryMb = 256 + (random.NextDouble() * 256),
                ComputeFlops = 1e9 * (0.5 + random.NextDouble()),
                BatteryCapacityMah = 3000,
                BatteryLevel = 0.5 + (random.NextDouble() * 0.5),
                BandwidthKbps = 500 + (random.NextDouble() * 1000),
                Connected = random.NextDouble() >= options.OfflineFraction,
            };
        }

        return profiles;
    }

    private IHost BuildGateway(string gatewayId, string brokerHost, int brokerPort, bool embedded, (string Key, string Host, int Port) cloud, DemoKeys keys, DemoProgress progress, ILoggerFactory loggers, DemoSecurity? security, int tlsPort, int startOnline)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:GatewayId"] = gatewayId,
            ["Gateway:StateDirectory"] = ":memory:",
            ["Gateway:Broker:Embedded"] = embedded ? "true" : "false",
            ["Gateway:Broker:Host"] = brokerHost,
            ["Gateway:Broker:Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:MaxRounds"] = options.Rounds.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:SyncEvery"] = options.EffectiveSyncEvery.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:Deadline"] = options.RoundDeadline.ToString("c", CultureInfo.InvariantCulture),
            ["Gateway:Rounds:GlobalModelTimeout"] = (options.RoundDeadline * 2).ToString("c", CultureInfo.InvariantCulture),
            ["Gateway:Updates:MaxUpdateNorm"] = options.MaxUpdateNorm.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Updates:MaxNormRatio"] = options.MaxNormRatio.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Updates:NormPolicy"] = options.NormPolicy.ToString(),
            ["Gateway:Rounds:MinUpdates"] = options.MinUpdates.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:WaitForDevices"] = startOnline.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Rounds:WaitForDevicesTimeout"] = options.RoundDeadline.ToString("c", CultureInfo.InvariantCulture),
            ["Gateway:Cloud:Enabled"] = "true",
            ["Gateway:Cloud:Host"] = cloud.Host,
            ["Gateway:Cloud:Port"] = cloud.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Signing:PrivateKeyPath"] = keys.PrivateKey(gatewayId),
            // The cloud's key, or with --regions its region's: the gateway trusts the tier it syncs with.
            ["Gateway:Signing:CloudPublicKeyPath"] = keys.PublicKey(cloud.Key),
            ["Gateway:Selection:Mode"] = options.Selection.ToString(),
            // Simulated training seconds (the tutorial's cost model), not wall time: the budget is in the same unit.
            ["Gateway:Selection:TrainingBudget"] = DemoTrainingBudget.ToString("c", CultureInfo.InvariantCulture),
            ["Gateway:Selection:ParticipantFraction"] = DemoParticipantFraction.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Aggregation:Strategy"] = options.Aggregation,
            ["Gateway:Aggregation:TrimFraction"] = options.TrimFraction.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Aggregation:ClipNorm"] = options.ClipNorm.ToString(CultureInfo.InvariantCulture),
            // Several gateways and TorchSharp share this process: no per-round full collections.
            ["Gateway:TrimMemoryAfterRound"] = "false",
            ["Gateway:Cloud:FleetReportInterval"] = "00:00:01",
            ["Observability:Enabled"] = "false",
        };
        if (security is not null)
        {
            settings["Gateway:Broker:CredentialsPath"] = security.GatewayCredentialsPath(gatewayId);
            security.AddListenerTls(settings, "Gateway:Broker:Tls", tlsPort);
            settings["Gateway:Cloud:Password"] = security.ProvisionGateway(gatewayId);
            security.AddClientTls(settings, "Gateway:Cloud:Tls");
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IGatewayObserver>(progress);
        builder.Services.AddEdgeFlGateway(builder.Configuration);
        if (options.DashboardPort > 0)
        {
            // No listener of their own: the gateways report their fleets to the cloud's dashboard.
            builder.Services.AddEdgeFlGatewayObservability(builder.Configuration);
        }

        return builder.Build();
    }

    private static string DeviceId(int index) => $"dev-{index + 1:D3}";

    private string DescribeAggregation()
    {
        var o = options;
        string Rule(string rule) => rule == "trimmed-mean" ? string.Create(CultureInfo.InvariantCulture, $"trimmed-mean({o.TrimFraction})") : rule;
        string gateways = Rule(o.Aggregation) + (o.ClipNorm > 0 ? string.Create(CultureInfo.InvariantCulture, $" with clipping to {o.ClipNorm}") : "");
        return o.CloudAggregation is { } cloud && cloud != o.Aggregation ? $"{gateways} at the gateways, {Rule(cloud)} in the cloud" : gateways;
    }

    private void Summary(string line)
    {
        _summary.Add(line);
        Say(line);
    }

    private void Say(string line)
    {
        if (!options.Quiet)
        {
            lock (output)
            {
                output.WriteLine(line);
            }
        }
    }
}
