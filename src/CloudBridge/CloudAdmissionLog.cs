using EdgeFL.Core.Rounds;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge;

/// <summary>Counts (<see cref="CloudMetrics"/>) and logs the cloud's admission decisions on gateway uploads.</summary>
internal sealed class CloudAdmissionLog(CloudMetrics metrics, ILogger logger, double maxUploadNorm, TimeProvider time) : IAdmissionObserver
{
    // Every refusal is counted; at most 5 lines a minute per gateway are logged, the rest reported as a count.
    private readonly Core.Diagnostics.RejectionLogLimiter _limiter = new(time);

    public void Admitted(long round, Contribution contribution, double norm, double deltaScale, double maxNorm)
    {
        metrics.CountAccepted();
        if (deltaScale < 1)
        {
            metrics.CountClipped();
            CloudLog.UploadClipped(logger, contribution.Id, contribution.SenderId, norm, maxUploadNorm);
        }

        CloudLog.UploadAccepted(logger, contribution.Id, contribution.SenderId, contribution.Round, contribution.SampleCount);
    }

    public void Refused(string senderId, AdmissionOutcome outcome, string detail)
    {
        metrics.CountRejected(outcome);
        if (!_limiter.ShouldLog(senderId, out long suppressed))
        {
            return;
        }

        if (suppressed > 0)
        {
            CloudLog.UploadRejectionsSuppressed(logger, suppressed, senderId);
        }

        CloudLog.UploadRejected(logger, senderId, outcome.ToString(), detail);
    }
}
