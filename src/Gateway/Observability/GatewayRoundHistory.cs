using System.Diagnostics.Metrics;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Core.Messages;

namespace EdgeFL.Gateway.Observability;

/// <summary>
/// The gateway's recent rounds (the last <see cref="Kept"/>), for the dashboard, and the per-round
/// instruments: rounds closed by reason, round duration, energy the accepted updates report.
/// </summary>
internal sealed class GatewayRoundHistory : IGatewayObserver
{
    public const int Kept = 200;
    private readonly Queue<RoundResult> _rounds = new();
    private readonly ReasonTally _closed;
    private readonly Histogram<double>? _duration;
    private double _energyMah;

    public GatewayRoundHistory(GatewayMetrics metrics)
    {
        var meter = metrics.Meter;
        _closed = new ReasonTally(meter, "edgefl.gateway.rounds.closed", "{round}", "Rounds closed, by reason: Quorum, Deadline, Stopping.");
        _duration = meter?.CreateHistogram<double>("edgefl.gateway.round.duration", "s", "Time from a round's opening to its closing.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });
        meter?.CreateObservableCounter("edgefl.gateway.energy", () => Volatile.Read(ref _energyMah), "mA.h", "Energy the accepted updates report their devices spent training.");
    }

    /// <summary>The recent rounds, oldest first.</summary>
    public IReadOnlyList<RoundResult> Recent
    {
        get { lock (_rounds) { return [.. _rounds]; } }
    }

    public void RoundCompleted(RoundResult result)
    {
        _closed.Add(result.CloseReason.ToString());
        _duration?.Record(result.Duration.TotalSeconds);
        lock (_rounds)
        {
            _energyMah += result.EnergyMah;
            _rounds.Enqueue(result);
            while (_rounds.Count > Kept)
            {
                _rounds.Dequeue();
            }
        }
    }

    public void GlobalModelAdopted(string gatewayId, ModelMessage global)
    {
    }

    public void Finished(string gatewayId, long lastRound)
    {
    }
}
