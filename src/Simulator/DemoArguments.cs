using EdgeFL.Core.Aggregation;
using System.Globalization;
using EdgeFL.Core.Validation;
using EdgeFL.Gateway.Selection;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Models;

namespace EdgeFL.Simulator;

/// <summary>Parses the demo's command line; errors name the flag.</summary>
internal static class DemoArguments
{
    /// <summary>The text printed for --help.</summary>
    public const string Usage = """
        EdgeFL demo: devices, gateways and a cloud on embedded MQTT brokers over loopback, learning Fashion-MNIST.

        Usage: dotnet run --project src/Simulator -c Release -- [flags]

        Initial model files, signing keys, certificates, credentials and inspecting files: the operator's CLI,
        dotnet run --project src/Cli -- --help (init-model, keygen, make-certs, provision-device, inspect, ...).

          --devices N          sensor devices (default 20)
          --gateways N         gateways (default 4)
          --regions N          region aggregators between the gateways and the global one (default 0: none)
          --rounds N           rounds per gateway (default 50)
          --sync-every N       cloud sync every N rounds (default 1 for mlp, 5 for mobilenet)
          --model mlp|mobilenet  model (default mlp)
          --trainer torch|managed  the devices' training backend: TorchSharp or managed code (default torch)
          --quantize           devices send 8-bit quantized updates
          --seed N             seed of everything random (default 42)
          --offline F          average fraction of devices offline (default 0.1)
          --alpha F            Dirichlet label-skew concentration (default 0.5)
          --epochs N           local epochs per round (default 1)
          --batch-size N       mini-batch size (default 16)
          --lr F               the devices' learning rate (default 0.02 for mlp, 0.01 for mobilenet)
          --lr-decay-rounds N  cosine decay of the learning rate over N rounds (default 0: constant)
          --lr-final F         where the decay ends, as a fraction of --lr (default 0.1)
          --train-samples N    use only N training samples (default: all 60,000)
          --test-samples N     score on only N test images (default: all 10,000)
          --training-slots N   devices training at once (default: cores)
          --round-deadline S   round deadline in seconds (default 120)
          --data-dir DIR       Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)
          --csv FILE           history file (default edgefl-history.csv)
          --external-broker H:P  devices meet on this broker instead of embedded ones
          --selection energy|all  energy-aware participant selection (default) or every device
          --aggregation fedavg|median|trimmed-mean  aggregation rule at the gateways and the cloud (default fedavg)
          --cloud-aggregation fedavg|median|trimmed-mean  the cloud's rule, when it should differ
          --trim F             trimmed-mean: fraction cut at each end (default 0.1)
          --clip-norm F        clip each device update's change to this L2 norm at the gateways (default 0: off)
          --max-update-norm F  bound each device update's change to this L2 norm at the gateways, counted and logged (default 0: off)
          --max-norm-ratio F   bound each device update's change to F x the median change norm of the gateway's last round (default 0: off)
          --norm-policy clip|reject  what --max-update-norm and --max-norm-ratio do to a larger update (default clip)
          --min-updates N      updates a gateway round needs to change the model (default 1; 3 lets a median outvote one hostile update)
          --hostile F          simulation only: fraction of devices sending poisoned updates (default 0)
          --attack scale|sign-flip  how hostile devices poison: base +/- k x (trained - base) (default scale)
          --attack-scale K     the attack's factor k (default 10)
          --server-opt fedavg|fedavgm|fedadam|fedyogi  the cloud's server optimizer on each sync's averaged change (default fedavgm)
          --server-lr F        the server optimizer's learning rate (default: 1 for fedavg and fedavgm, 0.01 for fedadam and fedyogi)
          --server-momentum F  fedavgm's momentum (default 0.5), fedadam's and fedyogi's beta1 (default 0.9)
          --prox-mu F          FedProx's proximal coefficient mu on every device (default 0: off)
          --report DIR         write the HTML report and PNG plots there (default edgefl-report; '' for none)
          --ceiling auto|train|none|F  the centralized ceiling on the accuracy plot: the bench's figure for the
                               MLP at --lr 0.01 (auto, default), trained here on the run's data with
                               --trainer's backend (train), none, or F
          --dashboard PORT     serve the cloud's live dashboard on http://127.0.0.1:PORT/dashboard/ during the run
          --verbose            show the services' logs (information and up)
          --quiet              print only the final line
        """;

    /// <summary>Parses flags; throws <see cref="ArgumentException"/> with a message naming the flag.</summary>
    public static DemoOptions Parse(IReadOnlyList<string> args)
    {
        var o = new DemoOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            int Int(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min
                ? v : throw new ArgumentException($"{flag} takes a whole number >= {min} (got '{args[i]}')");
            double Real(double min, double max) => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= min && v <= max
                ? v : throw new ArgumentException($"{flag} takes a number in [{min}, {max}] (got '{args[i]}')");

            int Port() => Int(1) is var p && p <= 65535 ? p : throw new ArgumentException($"{flag} takes a port in [1, 65535] (got '{args[i]}')");

            o = flag switch
            {
                "--devices" => o with { Devices = Int(1) },
                "--gateways" => o with { Gateways = Int(1) },
                "--regions" => o with { Regions = Int(0) },
                "--rounds" => o with { Rounds = Int(1) },
                "--sync-every" => o with { SyncEvery = Int(1) },
                "--model" => o with { Model = ParseModel(Value()) },
                "--trainer" => o with { Trainer = ParseTrainer(Value()) },
                "--quantize" => o with { Quantize = true },
                "--seed" => o with { Seed = Int(0) },
                "--offline" => o with { OfflineFraction = Real(0, 0.9) },
                "--alpha" => o with { Alpha = Real(1e-3, 1e6) },
                "--epochs" => o with { Epochs = Int(1) },
                "--batch-size" => o with { BatchSize = Int(1) },
                "--lr" => o with { LearningRate = Real(1e-9, 10) },
                "--lr-decay-rounds" => o with { DecayRounds = Int(0) },
                "--lr-final" => o with { FinalLearningRateFactor = Real(0, 1) },
                "--train-samples" => o with { TrainSamples = Int(0) },
                "--test-samples" => o with { TestSamples = Int(0) },
                "--training-slots" => o with { TrainingSlots = Int(1) },
                "--round-deadline" => o with { RoundDeadline = TimeSpan.FromSeconds(Real(0.1, 86400)) },
                "--data-dir" => o with { DataDirectory = Value() },
                "--csv" => o with { CsvPath = Value() },
                "--report" => o with { ReportDirectory = Value() },
                "--ceiling" => o with { Ceiling = ParseCeiling(Value()) },
                "--dashboard" => o with { DashboardPort = Port() },
                "--external-broker" => o with { ExternalBroker = Value() },
                "--selection" => o with { Selection = ParseSelection(Value()) },
                "--aggregation" => o with { Aggregation = ParseAggregation(flag, Value()) },
                "--cloud-aggregation" => o with { CloudAggregation = ParseAggregation(flag, Value()) },
                "--trim" => o with { TrimFraction = Real(0, 0.49) },
                "--clip-norm" => o with { ClipNorm = Real(0, 1e9) },
                "--max-update-norm" => o with { MaxUpdateNorm = Real(0, 1e9) },
                "--max-norm-ratio" => o with { MaxNormRatio = Real(1, 1e9) },
                "--norm-policy" => o with { NormPolicy = ParseNormPolicy(Value()) },
                "--min-updates" => o with { MinUpdates = Int(1) },
                "--hostile" => o with { HostileFraction = Real(0, 0.9) },
                "--attack" => o with { Attack = ParseAttack(Value()) },
                "--attack-scale" => o with { AttackScale = Real(0, 1e6) },
                "--server-opt" => o with { ServerOptimizer = ParseServerOptimizer(Value()) },
                "--server-lr" => o with { ServerLearningRate = Real(1e-6, 10) },
                "--server-momentum" => o with { ServerBeta1 = Real(0, 0.999) },
                "--prox-mu" => o with { ProximalMu = Real(0, 100) },
                "--verbose" => o with { Verbose = true },
                "--quiet" => o with { Quiet = true },
                _ => throw new ArgumentException($"unknown flag '{flag}' (see --help)"),
            };
        }

        if (o.ProximalMu > 0 && o.Trainer == TrainingBackendKind.Managed)
        {
            throw new ArgumentException("--prox-mu is not supported by --trainer managed yet (the TorchSharp trainer applies it)");
        }

        if (o.Gateways > o.Devices)
        {
            throw new ArgumentException($"--gateways ({o.Gateways}) must not exceed --devices ({o.Devices})");
        }

        if (o.Regions > o.Gateways)
        {
            throw new ArgumentException($"--regions ({o.Regions}) must not exceed --gateways ({o.Gateways})");
        }

        if (o.Regions > 0 && o.ExternalBroker is not null)
        {
            throw new ArgumentException("--regions runs each region on its own embedded broker: it cannot be combined with --external-broker");
        }

        if (o.ExternalBroker is { } broker)
        {
            _ = ParseHostPort(broker);
        }

        return o;
    }

    /// <summary>Splits host:port; throws naming --external-broker.</summary>
    public static (string Host, int Port) ParseHostPort(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) || port is <= 0 or > 65535)
        {
            throw new ArgumentException($"--external-broker takes host:port (got '{value}')");
        }

        return (value[..colon], port);
    }

    private static string ParseAggregation(string flag, string value) => value.ToLowerInvariant() switch
    {
        "fedavg" or "median" or "trimmed-mean" => value.ToLowerInvariant(),
        _ => throw new ArgumentException($"{flag} takes fedavg, median or trimmed-mean (got '{value}')"),
    };

    /// <summary>Parses fedavg|fedavgm|fedadam|fedyogi; throws naming --server-opt.</summary>
    public static ServerOptimizerKind ParseServerOptimizer(string value) => value.ToLowerInvariant() switch
    {
        "fedavg" => ServerOptimizerKind.FedAvg,
        "fedavgm" => ServerOptimizerKind.FedAvgM,
        "fedadam" => ServerOptimizerKind.FedAdam,
        "fedyogi" => ServerOptimizerKind.FedYogi,
        _ => throw new ArgumentException($"--server-opt takes fedavg, fedavgm, fedadam or fedyogi (got '{value}')"),
    };

    private static AttackKind ParseAttack(string value) => value.ToLowerInvariant() switch
    {
        "scale" => AttackKind.Scale,
        "sign-flip" => AttackKind.SignFlip,
        _ => throw new ArgumentException($"--attack takes scale or sign-flip (got '{value}')"),
    };

    private static NormPolicy ParseNormPolicy(string value) => value.ToLowerInvariant() switch
    {
        "clip" => NormPolicy.Clip,
        "reject" => NormPolicy.Reject,
        _ => throw new ArgumentException($"--norm-policy takes clip or reject (got '{value}')"),
    };

    private static SelectionMode ParseSelection(string value) => value.ToLowerInvariant() switch
    {
        "energy" => SelectionMode.Energy,
        "all" => SelectionMode.All,
        _ => throw new ArgumentException($"--selection takes energy or all (got '{value}')"),
    };

    /// <summary>Parses auto|train|none or an accuracy in [0, 1]; throws naming --ceiling.</summary>
    public static string ParseCeiling(string value) =>
        value is "auto" or "train" or "none" || (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v is >= 0 and <= 1)
            ? value
            : throw new ArgumentException($"--ceiling takes auto, train, none or an accuracy in [0, 1] (got '{value}')");

    /// <summary>Parses torch|managed; throws naming --trainer.</summary>
    public static TrainingBackendKind ParseTrainer(string value) => value.ToLowerInvariant() switch
    {
        "torch" => TrainingBackendKind.Torch,
        "managed" => TrainingBackendKind.Managed,
        _ => throw new ArgumentException($"--trainer takes torch or managed (got '{value}')"),
    };

    /// <summary>Parses mlp|mobilenet; throws naming --model.</summary>
    public static ModelKind ParseModel(string value) => value.ToLowerInvariant() switch
    {
        "mlp" => ModelKind.Mlp,
        "mobilenet" => ModelKind.MobileNet,
        _ => throw new ArgumentException($"--model takes mlp or mobilenet (got '{value}')"),
    };
}
