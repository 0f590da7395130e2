using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Rounds;
using Microsoft.Extensions.Logging;

namespace EdgeFL.Gateway;

/// <summary>Counts and logs a gateway's admission decisions (refusals and clips rate-limited per device).</summary>
internal sealed class GatewayAdmissionLog(string gatewayId, GatewayMetrics metrics, ILogger logger, TimeProvider time) : IAdmissionObserver
{
    private readonly RejectionLogLimiter _limiter = new(time);

    public void Admitted(long round, Contribution contribution, double norm, double deltaScale, double maxNorm)
    {
        metrics.CountAccepted(contribution.SenderId, contribution.Round);
        if (deltaScale < 1)
        {
            metrics.CountClipped();
            if (MayLog(contribution.SenderId))
            {
                GatewayLog.UpdateClipped(logger, gatewayId, contribution.SenderId, contribution.Round, norm, maxNorm);
            }
        }

        GatewayLog.UpdateAccepted(logger, gatewayId, contribution.SenderId, contribution.Round, contribution.SampleCount, contribution.Loss);
    }

    public void Refused(string senderId, AdmissionOutcome outcome, string detail)
    {
        metrics.CountRejected(outcome.ToString(), senderId);
        if (MayLog(senderId))
        {
            GatewayLog.UpdateRejected(logger, gatewayId, senderId, outcome.ToString(), detail);
        }
    }

    /// <summary>True when a line about this device's update may be logged; reports the lines suppressed before it.</summary>
    private bool MayLog(string deviceId)
    {
        if (!_limiter.ShouldLog(deviceId, out long suppressed))
        {
            return false;
        }

        if (suppressed > 0)
        {
            GatewayLog.RejectionsSuppressed(logger, gatewayId, deviceId, suppressed);
        }

        return true;
    }
}
