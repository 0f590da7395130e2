namespace EdgeFL.Core.Rounds;

/// <summary>Told of every admission decision (counting and logging live in the host, not the domain).</summary>
public interface IAdmissionObserver
{
    /// <summary>A contribution was folded into <paramref name="round"/>; its change had <paramref name="norm"/> and was scaled by <paramref name="deltaScale"/> (1 = not clipped) under <paramref name="maxNorm"/>.</summary>
    void Admitted(long round, Contribution contribution, double norm, double deltaScale, double maxNorm);

    /// <summary>A contribution from <paramref name="senderId"/> was refused.</summary>
    void Refused(string senderId, AdmissionOutcome outcome, string detail);
}
