namespace EdgeFL.Core.Aggregation;

/// <summary>
/// The server optimizer of a tier (section <c>Cloud:ServerOptimizer</c>): what it does with the pseudo-gradient,
/// the averaged change <c>avg - current</c> of a round (Reddi et al., Adaptive Federated Optimization, ICLR 2021).
/// </summary>
public sealed class ServerOptimizerOptions
{
    /// <summary><c>fedavg</c>, <c>fedavgm</c>, <c>fedadam</c> or <c>fedyogi</c>.</summary>
    public ServerOptimizerKind Kind { get; set; } = ServerOptimizerKind.FedAvg;

    /// <summary>Server learning rate eta: the step taken along the (momentum or adaptive) direction, in (0, 10].</summary>
    public double LearningRate { get; set; } = 1.0;

    /// <summary>Momentum (FedAvgM) or first-moment decay beta1 (FedAdam, FedYogi), in [0, 1).</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Second-moment decay beta2 (FedAdam, FedYogi), in [0, 1).</summary>
    public double Beta2 { get; set; } = 0.99;

    /// <summary>Adaptivity tau (FedAdam, FedYogi): added to sqrt(v), in (0, 1].</summary>
    public double Tau { get; set; } = 1e-3;

    /// <summary>The problems with these options, each naming its key under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (!Enum.IsDefined(Kind))
        {
            yield return $"{section}:Kind must be fedavg, fedavgm, fedadam or fedyogi (was '{Kind}')";
        }

        if (!(LearningRate > 0 && LearningRate <= 10))
        {
            yield return $"{section}:LearningRate must be in (0, 10] (was {LearningRate})";
        }

        if (!(Beta1 >= 0 && Beta1 < 1))
        {
            yield return $"{section}:Beta1 must be in [0, 1) (was {Beta1})";
        }

        if (!(Beta2 >= 0 && Beta2 < 1))
        {
            yield return $"{section}:Beta2 must be in [0, 1) (was {Beta2})";
        }

        if (!(Tau > 0 && Tau <= 1))
        {
            yield return $"{section}:Tau must be in (0, 1] (was {Tau})";
        }
    }
}
