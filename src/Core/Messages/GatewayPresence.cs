namespace EdgeFL.Core.Messages;

/// <summary>
/// What a gateway tells the cloud about itself on <c>{prefix}/cloud/status/{gw}</c>: whether the cloud should
/// wait for its uploads. The payload is the lower-case name in UTF-8 (<c>online</c>, <c>idle</c>, <c>offline</c>).
/// </summary>
public enum GatewayPresence
{
    /// <summary>Connected and running rounds: its next sync upload will come.</summary>
    Online,

    /// <summary>Connected but running no more rounds (its Gateway:Rounds:MaxRounds are done): no upload will come.</summary>
    Idle,

    /// <summary>Stopped, or its link was lost (the uplink's last will): no upload will come until it is online again.</summary>
    Offline,
}
