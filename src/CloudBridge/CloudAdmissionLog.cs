using System.Collections.Concurrent;
using EdgeFL.Core.Rounds;
using Microsoft.Extensions.Logging;

namespace EdgeFL.CloudBridge;

/// <summary>Counts and logs the cloud's admission decisions on gateway uploads.</summary>
internal sealed class CloudAdmissionLog(ILogger logger, double maxUploadNorm) : IAdmissionObserver
{
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private long _clipped;

    public IReadOnlyDictionary<string, long> RejectedByReason => new Dictionary<string, long>(_rejected);

    public long Clipped => Interlocked.Read(ref _clipped);

    public void Admitted(long round, Contribution contribution, double norm, double deltaScale, double maxNorm)
    {
        if (deltaScale < 1)
        {
            Interlocked.Increment(ref _clipped);
            CloudLog.UploadClipped(logger, contribution.Id, contribution.SenderId, norm, maxUploadNorm);
        }

        CloudLog.UploadAccepted(logger, contribution.Id, contribution.SenderId, contribution.Round, contribution.SampleCount);
    }

    public void Refused(string senderId, AdmissionOutcome outcome, string detail)
    {
        _rejected.AddOrUpdate(outcome.ToString(), 1, (_, n) => n + 1);
        CloudLog.UploadRejected(logger, senderId, outcome.ToString(), detail);
    }
}
