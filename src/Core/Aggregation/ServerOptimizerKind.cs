namespace EdgeFL.Core.Aggregation;

/// <summary>How a tier turns the round's averaged model into its next model (<see cref="ServerOptimizer"/>).</summary>
public enum ServerOptimizerKind
{
    /// <summary>Take the average as it is (with server learning rate 1): plain FedAvg.</summary>
    FedAvg,

    /// <summary>Server momentum on the averaged change (Hsu et al. 2019).</summary>
    FedAvgM,

    /// <summary>Adam on the averaged change, without bias correction (Reddi et al., ICLR 2021).</summary>
    FedAdam,

    /// <summary>Yogi on the averaged change: Adam with an additive second-moment update (Reddi et al., ICLR 2021).</summary>
    FedYogi,
}
