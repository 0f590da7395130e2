using EdgeFL.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway;

/// <summary>
/// Counts and logs refused status, decline and telemetry messages: every one counted by kind
/// (<see cref="GatewayMetrics.ControlRejectedByKind"/>), at most 5 lines a minute per device and kind,
/// the rest reported as a count with the next line (a flood of bad messages cannot fill an SD card).
/// </summary>
internal sealed class ControlRejectionLog(GatewayOptions options, GatewayMetrics metrics, ILogger logger, TimeProvider time)
{
    private readonly RejectionLogLimiter _limiter = new(time);

    /// <summary>Counts one refused <paramref name="kind"/> message (status, decline, telemetry) on <paramref name="topic"/> and logs it if its limit allows.</summary>
    public void Refused(string kind, string topic, string? deviceId, string error)
    {
        metrics.CountControlRejected(kind);
        if (!_limiter.ShouldLog($"{kind}:{deviceId ?? topic}", out long suppressed))
        {
            return;
        }

        if (suppressed > 0)
        {
            GatewayLog.ControlRejectionsSuppressed(logger, options.GatewayId, suppressed, kind, deviceId ?? topic);
        }

        GatewayLog.MalformedControl(logger, options.GatewayId, kind, topic, error);
    }
}
