namespace EdgeFL.Core.Diagnostics;

/// <summary>
/// What a round's admission reports, at either tier: an update (a device's at a gateway, a gateway's
/// upload at the cloud) accepted, rejected with a reason, clipped; an aggregate refused; a round closed.
/// Each call is a few interlocked adds.
/// </summary>
public interface IRoundMetrics
{
    /// <summary>An update was folded into its round's aggregate.</summary>
    void CountAccepted();

    /// <summary>
    /// An update was refused; <paramref name="reason"/> is a bounded word (an enum's name).
    /// <paramref name="senderId"/> (a device or gateway id) is kept in a bounded in-memory table, never as a metric tag.
    /// </summary>
    void CountRejected(string reason, string? senderId = null);

    /// <summary>An accepted update's change was scaled down to the norm bound.</summary>
    void CountClipped();

    /// <summary>A round's aggregate was not finite and was not used: the model carried over.</summary>
    void CountAggregateRefused();

    /// <summary>A round closed: a gateway's edge model, or the cloud's global model, was produced.</summary>
    void CountRound();
}
