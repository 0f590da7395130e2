using System.Diagnostics.Metrics;

namespace EdgeFL.CloudBridge.Observability;

/// <summary>
/// The global model's test accuracy after each sync, where something evaluates it (the demo and the tests
/// evaluate with TorchSharp; the cloud service itself has no libtorch and records nothing): the dashboard's
/// accuracy curve and the gauge <c>edgefl.cloud.global_accuracy</c>.
/// </summary>
internal sealed class GlobalAccuracy
{
    public const int Kept = 1000;
    private readonly SortedDictionary<long, double> _byRound = [];

    internal GlobalAccuracy(CloudMetrics metrics) =>
        metrics.Meter?.CreateObservableGauge("edgefl.cloud.global_accuracy", Observe, "1", "Test accuracy of the latest evaluated global model (0..1), only where the cloud's models are evaluated.");

    /// <summary>Records the accuracy of the global model of sync round <paramref name="round"/>.</summary>
    public void Record(long round, double accuracy)
    {
        lock (_byRound)
        {
            _byRound[round] = accuracy;
            while (_byRound.Count > Kept)
            {
                _byRound.Remove(_byRound.Keys.First());
            }
        }
    }

    /// <summary>Every recorded point, by round.</summary>
    public IReadOnlyList<(long Round, double Accuracy)> Points()
    {
        lock (_byRound)
        {
            return [.. _byRound.Select(kv => (kv.Key, kv.Value))];
        }
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        lock (_byRound)
        {
            return _byRound.Count == 0 ? [] : [new Measurement<double>(_byRound.Values.Last(), new KeyValuePair<string, object?>("round", _byRound.Keys.Last()))];
        }
    }
}
