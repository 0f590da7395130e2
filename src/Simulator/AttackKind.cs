namespace EdgeFL.Simulator;

/// <summary>How a hostile demo device poisons its update (simulation only; see <see cref="HostileTrainer"/>).</summary>
internal enum AttackKind
{
    /// <summary>Sends base + k x (trained - base): its honest change, boosted k times.</summary>
    Scale,

    /// <summary>Sends base - k x (trained - base): its honest change, reversed and boosted k times.</summary>
    SignFlip,
}
