namespace EdgeFL.Core.Messages;

/// <summary>A device's notice that it will not train in a round, so the gateway need not wait for it.</summary>
/// <param name="DeviceId">The declining device.</param>
/// <param name="Round">The round declined.</param>
/// <param name="Reason">Short machine-readable reason, e.g. <c>"battery"</c>.</param>
public sealed record RoundDecline(string DeviceId, long Round, string Reason);
