using System.Diagnostics.Metrics;

namespace EdgeFL.Tests.Shared;

/// <summary>Reads the instruments of one meter as an exporter would: <see cref="Read"/> collects every observable instrument now.</summary>
public sealed class MeterReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly List<Instrument> _instruments = [];
    private readonly List<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

    public MeterReader(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                lock (_lock)
                {
                    _instruments.Add(instrument);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The meter's instruments.</summary>
    public IReadOnlyList<Instrument> Instruments
    {
        get { lock (_lock) { return [.. _instruments]; } }
    }

    /// <summary>The value of <paramref name="instrument"/> now (summed over tag sets), or of its measurement tagged <c>reason</c> = <paramref name="reason"/>.</summary>
    public double Read(string instrument, string? reason = null)
    {
        lock (_lock)
        {
            _measurements.Clear();
            _listener.RecordObservableInstruments();
            return _measurements
                .Where(m => m.Instrument == instrument && (reason is null || m.Tags.Any(t => t.Key == "reason" && Equals(t.Value, reason))))
                .Sum(m => m.Value);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_lock)
        {
            _measurements.Add((instrument.Name, value, tags.ToArray()));
        }
    }
}
