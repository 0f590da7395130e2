using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeFL.CloudBridge;
using EdgeFL.Core.Messages;
using EdgeFL.Gateway;

namespace EdgeFL.Simulator;

/// <summary>Collects the gateways' and the cloud's progress: rows per round, global models, completion.</summary>
internal sealed class DemoProgress(int gateways, Func<int> offlineDevices) : IGatewayObserver, ICloudObserver
{
    private readonly ConcurrentDictionary<long, List<RoundResult>> _byRound = new();
    private readonly ConcurrentDictionary<string, long> _finished = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastGlobalRound = -1;

    /// <summary>Raised when every gateway has closed a round.</summary>
    public event Action<RoundRow>? RoundDone;

    /// <summary>Raised when a gateway closed a round (the churn simulation hooks here).</summary>
    public event Action<RoundResult>? GatewayRoundDone;

    /// <summary>Raised when the cloud published a global model.</summary>
    public event Action<ModelMessage, int>? GlobalModel;

    public Task AllFinished => _allFinished.Task;

    public void RoundCompleted(RoundResult result)
    {
        GatewayRoundDone?.Invoke(result);
        var list = _byRound.GetOrAdd(result.Round, _ => []);
        RoundRow? row = null;
        lock (list)
        {
            list.Add(result);
            if (list.Count == gateways)
            {
                long samples = list.Sum(r => r.Samples);
                double loss = samples > 0 ? list.Where(r => r.Samples > 0).Sum(r => r.MeanLoss * r.Samples) / samples : double.NaN;
                row = new RoundRow(
                    result.Round,
                    list.Sum(r => r.Accepted),
                    list.Sum(r => r.Declined),
                    list.Sum(r => r.Rejected),
                    samples,
                    loss,
                    list.Sum(r => r.EnergyMah),
                    offlineDevices(),
                    _clock.Elapsed.TotalSeconds);
            }
        }

        if (row is not null)
        {
            RoundDone?.Invoke(row);
        }
    }

    public void GlobalModelAdopted(string gatewayId, ModelMessage global)
    {
    }

    public void Finished(string gatewayId, long lastRound)
    {
        _finished[gatewayId] = lastRound;
        if (_finished.Count == gateways)
        {
            _allFinished.TrySetResult();
        }
    }

    /// <summary>The round of the newest global model the cloud published.</summary>
    public long LastGlobalRound => Interlocked.Read(ref _lastGlobalRound);

    public void GlobalPublished(ModelMessage global, int gatewayCount)
    {
        GlobalModel?.Invoke(global, gatewayCount);
        long current;
        while ((current = Interlocked.Read(ref _lastGlobalRound)) < global.Round
               && Interlocked.CompareExchange(ref _lastGlobalRound, global.Round, current) != current)
        {
        }
    }
}
