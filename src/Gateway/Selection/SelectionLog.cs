using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway.Selection;

internal static partial class SelectionLog
{
    [LoggerMessage(2202, LogLevel.Information, "{GatewayId}: round {Round} selects {Selected} of {Online} online devices ({LowBattery} low battery, {TooSlow} too slow, {Rested} resting)")]
    public static partial void Selected(ILogger logger, string gatewayId, long round, int selected, int online, int lowBattery, int tooSlow, int rested);

    [LoggerMessage(2203, LogLevel.Information, "{GatewayId}: round {Round}: no online device is eligible; every device may train (each declines on its own battery)")]
    public static partial void NoneEligible(ILogger logger, string gatewayId, long round);
}
