using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Hosting;

internal static partial class GatewayHostingLog
{
    [LoggerMessage(2101, LogLevel.Warning, "Round loop stalls after {Rounds} rounds (Gateway:Diagnostics:StallRoundLoopAfter, for testing the watchdog)")]
    public static partial void StallingForTest(ILogger logger, long rounds);
}
