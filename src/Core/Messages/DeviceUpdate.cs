using EdgeFL.Core.Models;

namespace EdgeFL.Core.Messages;

/// <summary>A device's locally trained model for one round, with the metrics the gateway weighs it by.</summary>
/// <param name="DeviceId">The device that trained it.</param>
/// <param name="Round">The model version/round the device trained from.</param>
/// <param name="SampleCount">Local training samples (the FedAvg weight).</param>
/// <param name="Loss">Mean training loss of the last local epoch.</param>
/// <param name="TrainingSeconds">Wall-clock seconds spent training.</param>
/// <param name="EnergyMah">Estimated energy spent training, in milliampere-hours.</param>
/// <param name="CreatedAt">When the update was produced (millisecond precision on the wire).</param>
/// <param name="Model">The device's full trained state (not a delta); after decoding it may borrow the payload buffer.</param>
public sealed record DeviceUpdate(
    string DeviceId,
    long Round,
    long SampleCount,
    double Loss,
    double TrainingSeconds,
    double EnergyMah,
    DateTimeOffset CreatedAt,
    ModelState Model);
