using EdgeFL.Core.Aggregation;
using EdgeFL.Core.Validation;
using EdgeFL.Gateway.Selection;
using EdgeFL.Training.Backends;
using EdgeFL.Training.Models;

namespace EdgeFL.Simulator;

/// <summary>The demo's settings, from its command-line flags (see <see cref="DemoArguments"/>).</summary>
internal sealed record DemoOptions
{
    /// <summary>Sensor devices in the fleet.</summary>
    public int Devices { get; init; } = 20;

    /// <summary>Gateways; devices are spread evenly over them.</summary>
    public int Gateways { get; init; } = 4;

    /// <summary>Region aggregators between the gateways and the global one (0: the gateways talk to the one cloud); gateways are spread evenly over them.</summary>
    public int Regions { get; init; }

    /// <summary>Rounds each gateway runs.</summary>
    public int Rounds { get; init; } = 50;

    /// <summary>Cloud sync every this many rounds; null: <see cref="EffectiveSyncEvery"/>.</summary>
    public int? SyncEvery { get; init; }

    /// <summary>
    /// The sync interval in effect: every round for the MLP (the best mean of docs/PERFORMANCE.md figure 9 at
    /// Dirichlet 0.1 and 0.5, with <see cref="EffectiveLearningRate"/> 0.02); every 5 rounds for MobileNet (not measured).
    /// </summary>
    public int EffectiveSyncEvery => SyncEvery ?? (Model == ModelKind.Mlp ? 1 : 5);

    /// <summary>Model architecture.</summary>
    public ModelKind Model { get; init; } = ModelKind.Mlp;

    /// <summary>The devices' training backend (torch or managed).</summary>
    public TrainingBackendKind Trainer { get; init; } = TrainingBackendKind.Torch;

    /// <summary>Devices send 8-bit quantized updates.</summary>
    public bool Quantize { get; init; }

    /// <summary>Seed of everything random: partition, profiles, initial model, churn.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Fraction of devices offline at any moment, on average.</summary>
    public double OfflineFraction { get; init; } = 0.1;

    /// <summary>Dirichlet concentration of the label skew.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Local epochs per round.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>The devices' SGD learning rate; null: <see cref="EffectiveLearningRate"/>.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The learning rate in effect: 0.02 for the MLP (figure 9), 0.01 for MobileNet (not measured).</summary>
    public double EffectiveLearningRate => LearningRate ?? (Model == ModelKind.Mlp ? 0.02 : 0.01);

    /// <summary>Devices' cosine learning-rate decay over this many rounds (<c>Device:Training:DecayRounds</c>); 0 is a constant learning rate.</summary>
    public int DecayRounds { get; init; }

    /// <summary>The fraction of the learning rate the decay ends at (<c>Device:Training:FinalLearningRateFactor</c>).</summary>
    public double FinalLearningRateFactor { get; init; } = 0.1;

    /// <summary>Training samples used in all (0 = the whole training set), for quick runs.</summary>
    public int TrainSamples { get; init; }

    /// <summary>Test images the global model is scored on (0 = all 10,000).</summary>
    public int TestSamples { get; init; }

    /// <summary>Devices that may train at the same moment (the process has few cores).</summary>
    public int TrainingSlots { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>How long a gateway keeps a round open at most.</summary>
    public TimeSpan RoundDeadline { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Fashion-MNIST directory.</summary>
    public string DataDirectory { get; init; } = EdgeFL.Training.Data.FashionMnist.DefaultDirectory;

    /// <summary>Where the per-round history goes.</summary>
    public string CsvPath { get; init; } = "edgefl-history.csv";

    /// <summary>Use an external broker (host:port) for every gateway's devices instead of embedded ones.</summary>
    public string? ExternalBroker { get; init; }

    /// <summary>Print service logs (warnings and up) to the console.</summary>
    public bool Verbose { get; init; }

    /// <summary>How gateways pick each round's participants: energy-aware (default) or all devices.</summary>
    public SelectionMode Selection { get; init; } = SelectionMode.Energy;

    /// <summary>Aggregation rule at the gateways and the cloud: fedavg, median or trimmed-mean (<c>Gateway:Aggregation:Strategy</c>, <c>Cloud:Aggregation:Strategy</c>).</summary>
    public string Aggregation { get; init; } = "fedavg";

    /// <summary>The cloud's rule when it should differ from the gateways' (null: the same as <see cref="Aggregation"/>).</summary>
    public string? CloudAggregation { get; init; }

    /// <summary>For trimmed-mean: the fraction cut from each end of every coordinate.</summary>
    public double TrimFraction { get; init; } = 0.1;

    /// <summary>When positive, every update's change is clipped to this L2 norm before the rule (gateways only).</summary>
    public double ClipNorm { get; init; }

    /// <summary>When positive, the gateways bound each update's change to this L2 norm (<c>Gateway:Updates:MaxUpdateNorm</c>).</summary>
    public double MaxUpdateNorm { get; init; }

    /// <summary>When positive, the gateways bound each update's change to this multiple of their last round's median (<c>Gateway:Updates:MaxNormRatio</c>).</summary>
    public double MaxNormRatio { get; init; }

    /// <summary>What <see cref="MaxUpdateNorm"/> does to a larger update (<c>Gateway:Updates:NormPolicy</c>).</summary>
    public NormPolicy NormPolicy { get; init; } = NormPolicy.Clip;

    /// <summary>Accepted updates a gateway round needs to change the model (<c>Gateway:Rounds:MinUpdates</c>).</summary>
    public int MinUpdates { get; init; } = 1;

    /// <summary>Simulation only: the fraction of devices that send poisoned updates (0 = none).</summary>
    public double HostileFraction { get; init; }

    /// <summary>Simulation only: how hostile devices poison their updates.</summary>
    public AttackKind Attack { get; init; } = AttackKind.Scale;

    /// <summary>Simulation only: the factor k of the attack (see <see cref="AttackKind"/>).</summary>
    public double AttackScale { get; init; } = 10;

    /// <summary>Where the HTML report and its PNG plots go (empty: no report).</summary>
    public string ReportDirectory { get; init; } = "edgefl-report";

    /// <summary>
    /// The centralized ceiling drawn on the accuracy plot: <c>auto</c> (the bench's measured figure for the
    /// default configuration, none otherwise), <c>train</c> (train the same model on all the run's data here),
    /// <c>none</c>, or an accuracy in [0, 1].
    /// </summary>
    public string Ceiling { get; init; } = "auto";

    /// <summary>When positive, the cloud serves its live dashboard (and metrics, health) on 127.0.0.1 at this port during the run.</summary>
    public int DashboardPort { get; init; }

    /// <summary>Print nothing but the last line.</summary>
    public bool Quiet { get; init; }

    /// <summary>The cloud's server optimizer (<c>Cloud:ServerOptimizer:Kind</c>); null: <see cref="EffectiveServerOptimizer"/>.</summary>
    public ServerOptimizerKind? ServerOptimizer { get; init; }

    /// <summary>
    /// The optimizer in effect: for the MLP, FedAvgM with momentum 0.5 (the best mean of docs/PERFORMANCE.md figure 9);
    /// for MobileNet, FedAvg (FedAvgM was not measured on it and ended below FedAvg in a short run).
    /// </summary>
    public ServerOptimizerKind EffectiveServerOptimizer => ServerOptimizer ?? (Model == ModelKind.Mlp ? ServerOptimizerKind.FedAvgM : ServerOptimizerKind.FedAvg);

    /// <summary>The server optimizer's learning rate (<c>Cloud:ServerOptimizer:LearningRate</c>); null: the rule's tuned default (<see cref="DefaultServerLearningRate"/>).</summary>
    public double? ServerLearningRate { get; init; }

    /// <summary>The server optimizer's beta1 (momentum for FedAvgM; <c>Cloud:ServerOptimizer:Beta1</c>); null: the rule's tuned default.</summary>
    public double? ServerBeta1 { get; init; }

    /// <summary>The beta1 in effect: 0.5 for FedAvgM (0.9 swung by up to 14 points between syncs, figure 9), 0.9 for FedAdam and FedYogi.</summary>
    public double EffectiveServerBeta1 => ServerBeta1 ?? (EffectiveServerOptimizer == ServerOptimizerKind.FedAvgM ? 0.5 : 0.9);

    /// <summary>FedProx's proximal coefficient on every device (<c>TrainerOptions.ProximalMu</c>); 0 is off.</summary>
    public double ProximalMu { get; init; }

    /// <summary>The demo's server learning rate for a rule when --server-lr is not given.</summary>
    public static double DefaultServerLearningRate(ServerOptimizerKind kind) => kind switch
    {
        ServerOptimizerKind.FedAvgM => 1.0,
        ServerOptimizerKind.FedAdam => 0.01,
        ServerOptimizerKind.FedYogi => 0.01,
        _ => 1.0,
    };

    /// <summary>The server learning rate in effect.</summary>
    public double EffectiveServerLearningRate => ServerLearningRate ?? DefaultServerLearningRate(EffectiveServerOptimizer);
}
